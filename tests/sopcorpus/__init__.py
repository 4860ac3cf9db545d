"""A corpus of hand-made-style SOP AP Word files, each with the definition it shows.

:mod:`.build` writes them (raw OOXML in the ways people and programs make SOP sheets);
:mod:`.libreoffice` makes some with LibreOffice's own writer (Flat ODT and HTML converted
by ``soffice --convert-to docx``); :mod:`.specs` holds the definitions; :mod:`.score`
compares an import field by field.
"""
