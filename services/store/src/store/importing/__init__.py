"""Importers: facts and families synced from the organisation's own sources (issue 17).

A source (a CSV or XLSX file, a Google Sheet's CSV export or its Sheets API as a
service account, a Baserow table) is described by a mapping file (:mod:`.mapping`);
its rows are read (:mod:`.files`, :mod:`.google_sheet`, :mod:`.google_sheets_api`,
:mod:`.baserow`), turned into facts or families
(:mod:`.facts`, :mod:`.family_rows`) and synced (:mod:`.sync`): each row keyed by
the source's name and its own key, updated in place, left alone when unchanged,
retired when gone. ``concierge import`` runs a sync by hand; the store service
runs the sources that have an interval (:mod:`.schedule`). See docs/importing.md.
"""
