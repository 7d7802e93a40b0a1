"""Uploading images and text into a project: content checks, archive handling, storage and reports.

Decisions that shape every module here:

* The file's content decides what it is (magic bytes, then Pillow); names and client MIME types never do.
  Only text formats, which have no magic bytes, are recognised by extension, and their content is then
  decoded and checked.
* `Item.sha256` is the SHA-256 of the bytes in storage, so a stored file can always be verified against
  its row. The original bytes are stored unchanged unless the image needs a canonical form:
  EXIF orientation is applied once (pixels, width, height and exports then agree), GIF keeps its first
  frame and TIFF becomes PNG (browsers show neither animation nor TIFF in the editor). Re-encoding is
  deterministic, so the same upload twice still has the same hash and is caught as a duplicate.
* Files go to storage first and database rows second, in one transaction per batch; a batch that fails
  deletes its files. Whatever an interrupted request leaves behind in storage has no row and is removed by
  the `projects.clean_orphan_files` task once it is older than ORPHAN_FILE_GRACE_S.
"""
