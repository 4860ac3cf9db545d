"""The SOP sheet: definition, flowchart layout, DrawingML shapes, the sheet itself."""
