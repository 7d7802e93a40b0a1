"""Static files storage for production."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # Pages load ES modules that import each other; rewriting those imports to the hashed names means
    # a browser can never mix a cached old module with a new one after a deploy.
    support_js_module_import_aggregation = True
