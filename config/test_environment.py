"""Loaded by pytest (`-p config.test_environment`) before Django is configured.

Tests run with DEBUG off, as production does, so they need a SECRET_KEY; give them a throwaway one
and keep their files apart from a developer's `make run` data.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 40)
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
_data_dir = os.environ.setdefault("TANDEM_DATA_DIR", tempfile.mkdtemp(prefix="tandem-tests-"))
os.makedirs(os.path.join(_data_dir, "staticfiles"), exist_ok=True)
os.environ.setdefault("NLTK_DATA_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), ".data", "nltk_data"))
os.environ.setdefault("ALLOWED_HOSTS", "*")
