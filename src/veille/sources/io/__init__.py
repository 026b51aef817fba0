"""File readers shared by the importers, one module per job (``streams``, ``lines``,
``json_values``, ``containers``, ``csv_rows``, ``members``).

Everything here streams: a file is never read whole into memory, and bad input becomes a
``Reject`` that names where it was (``path:line``, or ``path!member:line`` inside a zip)
instead of an exception that stops the import.

- ``open_stream`` opens a plain, gzip (``.gz``) or zstandard (``.zst``) file, recognised by
  its magic bytes rather than its name; a truncated compressed file raises ``EOFError`` at
  the point where the data ends, which the iterators below turn into a ``Reject``.
- ``iter_lines`` yields ``(line_number, bytes)`` for the non-blank lines of a stream, with a
  size limit per line and a UTF-8 check; ``iter_json_lines`` adds a JSON syntax check and
  builds the ``RawItem`` (the importers of JSONL formats are a few lines on top of it).
- ``iter_json_values`` streams the values of a JSON document that is one array, one object,
  or a sequence of values (JSONL, pretty-printed or not): the elements of a 200 MB array are
  yielded one by one, with the line each starts on. Values are yielded on one line (line
  breaks between tokens become spaces, see ``one_line``) because the raw log is JSONL.
- ``Container`` opens a zip archive or a folder uniformly (a plain file is a container of
  one member). A zip with a damaged central directory (a truncated download) is salvaged by
  walking its local headers: the members that can be read are read, and a ``Reject`` names
  the archive.
- ``iter_csv_rows`` reads a CSV file with a header, finds the header after a preamble (the
  ``Notes:`` lines of a LinkedIn export), checks the required columns (one ``Reject`` naming
  the file and the missing columns, and the file's rows are skipped), and reports each bad
  row as ``file:line``.
"""

from __future__ import annotations

from veille.i18n import register

register(
    {
        "files.too_big": (
            "ligne {line} : élément de {size} octets, au-delà de la limite de {limit}",
            "line {line}: item of {size} bytes exceeds the limit of {limit}",
        ),
        "files.value_too_big": (
            "ligne {line} : valeur JSON de plus de {limit} octets, ignorée",
            "line {line}: JSON value larger than the limit of {limit} bytes, skipped",
        ),
        "files.bad_utf8": (
            "ligne {line} : UTF-8 invalide à l'octet {position}",
            "line {line}: invalid UTF-8 at byte {position}",
        ),
        "files.bad_json": (
            "ligne {line} : JSON invalide : {error}",
            "line {line}: invalid JSON: {error}",
        ),
        "files.bad_json_range": (
            "lignes {line}-{end} : JSON invalide : {error}",
            "lines {line}-{end}: invalid JSON: {error}",
        ),
        "files.unreadable": (
            "{where} : données illisibles après la ligne {line} ({error}) ; la suite est ignorée",
            "{where}: unreadable data after line {line} ({error}); the rest is skipped",
        ),
        "files.unreadable_file": (
            "{where} : fichier illisible ({error})",
            "{where}: cannot read the file ({error})",
        ),
        "files.unreadable_folder": (
            "{where} : dossier illisible ({error}) ; ses fichiers ne sont pas importés",
            "{where}: cannot read the folder ({error}); its files are not imported",
        ),
        "files.missing": (
            "{where} : fichier ou dossier introuvable",
            "{where}: no such file or folder",
        ),
        "files.bad_zip": (
            "{where} : archive zip tronquée ou corrompue ({error}) ;"
            " {count} fichier(s) récupéré(s)",
            "{where}: truncated or corrupt zip archive ({error}); {count} member(s) recovered",
        ),
        "files.unterminated": (
            "ligne {line} : le document JSON s'arrête au milieu d'une valeur",
            "line {line}: the JSON document ends in the middle of a value",
        ),
        "files.csv_missing_columns": (
            "{where} : colonnes obligatoires absentes : {columns} (en-tête lu ligne {line} :"
            " {header}) ; les lignes de ce fichier sont ignorées",
            "{where}: missing required columns: {columns} (header read on line {line}:"
            " {header}); the rows of this file are skipped",
        ),
        "files.csv_empty": (
            "{where} : fichier CSV vide (pas d'en-tête)",
            "{where}: empty CSV file (no header)",
        ),
        "files.csv_row": (
            "ligne {line} : ligne CSV illisible : {error}",
            "line {line}: unreadable CSV row: {error}",
        ),
        "files.csv_width": (
            "ligne {line} : {found} champs au lieu de {expected}",
            "line {line}: {found} fields instead of {expected}",
        ),
    }
)
