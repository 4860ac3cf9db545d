"""Import a hand-made SOP AP Word file (.docx) into an SOP definition (YAML).

Modules by concern: :mod:`.package` reads the .docx safely; :mod:`.text` the text as
it shows; :mod:`.grid` tables with their merges; :mod:`.identity` the identity part;
:mod:`.activity` the activity table over pages; :mod:`.shapes` DrawingML/VML shapes;
:mod:`.placement` symbols to steps and actors, decisions from arrows;
:mod:`.textdecision` decisions from words; :mod:`.wordsplit` run-together words;
:mod:`.yamlout` the commented YAML; :mod:`.reader` puts them together.
"""
