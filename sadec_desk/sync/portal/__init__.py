"""The reference portal: a real HTTP service that stands in for the central portal.

IT staff rehearse synchronisation against it and the tests run the client against
it over loopback (docs/design.md §5). The API is published in docs/portal-openapi.json.

Framework choice: Flask + waitress (the ``[portal]`` extra). The storage layer is
peewee, which is synchronous, so a WSGI stack fits it without a thread-pool shim;
waitress is a pure-Python, multi-threaded production WSGI server that runs the same
on Windows (where commune IT staff rehearse) and Linux, with no C build.

Guarantees the client relies on:

- every ``op_id`` is stored for ever under a unique constraint; an op already
  applied is answered ``duplicate`` with its original result, never applied twice;
- a change made since the op's base version by anyone but the sending device is a
  ``conflict`` (answered with the portal's copy); a bad op is ``rejected`` with a reason;
- every write runs in one transaction that also appends to the change feed, and
  the writers of one office's feed take turns (SQLite ``BEGIN IMMEDIATE``: every
  writer; PostgreSQL: an advisory lock per office, so offices do not wait for each
  other), so a feed's sequence numbers commit in order and a cursor never skips a
  change (``PortalStore.write``);
- scanned pages are blobs named by their SHA-256, uploaded in chunks that resume
  from the offset the portal reports (``HEAD``/``PATCH /v1/blobs/<sha256>``, after
  the tus protocol's core); a blob is complete only once its bytes hash to its
  name, and a ``dossier.pages`` op naming a blob that is not complete is rejected.

Where things are: ``models.py`` (its tables and opening its database), ``batch.py`` (one
pushed batch checked and applied), ``store.py`` (:class:`PortalStore`, the portal's rules
over its database, blobs included), ``app.py`` (``create_app``, the HTTP routes) and
``serve.py`` (running it under waitress: ``sadec-desk portal serve``, SQLite or
``--database-url postgresql://...``).
"""
