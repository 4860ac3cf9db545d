"""Small raw-OOXML builders for the corpus (strings, escaped; no python-docx: the corpus
needs anchors, groups, VML and merges exactly as Word writes them)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word" '
    'mc:Ignorable="wps wpg wpc"'
)
EMU = 635  # per twip
_ids = [100]


def next_id() -> int:
    _ids[0] += 1
    return _ids[0]


def t(text: str) -> str:
    return f'<w:t xml:space="preserve">{escape(text)}</w:t>'


def run(text: str = "", *, bold: bool = False, inner: str = "") -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f"<w:r>{props}{t(text) if text else ''}{inner}</w:r>"


def p(*runs: str, text: str | None = None, bold: bool = False, jc: str = "", exact: int | None = None,
      page_break_before: bool = False) -> str:
    props = ""
    if page_break_before:
        props += "<w:pageBreakBefore/>"
    if exact:
        props += f'<w:spacing w:before="0" w:after="0" w:line="{exact}" w:lineRule="exact"/>'
    if jc:
        props += f'<w:jc w:val="{jc}"/>'
    body = "".join(runs) + (run(text, bold=bold) if text is not None else "")
    return f"<w:p>{'<w:pPr>' + props + '</w:pPr>' if props else ''}{body}</w:p>"


def paras(lines: list[str], **kw: object) -> str:
    return "".join(p(text=line, **kw) for line in lines) if lines else p()  # type: ignore[arg-type]


def tc(content: str, width: int, *, span: int = 1, vmerge: str | None = None, hmerge: str | None = None) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if hmerge is not None:
        props += '<w:hMerge w:val="restart"/>' if hmerge == "restart" else "<w:hMerge/>"
    if vmerge is not None:
        props += '<w:vMerge w:val="restart"/>' if vmerge == "restart" else "<w:vMerge/>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{content or p()}</w:tc>"


def tr(cells: list[str], *, height: int | None = None, exact: bool = False, header: bool = False) -> str:
    props = ""
    if header:
        props += "<w:tblHeader/>"
    if height:
        props += f'<w:trHeight w:val="{height}"' + (' w:hRule="exact"' if exact else "") + "/>"
    return f"<w:tr>{'<w:trPr>' + props + '</w:trPr>' if props else ''}{''.join(cells)}</w:tr>"


def tbl(grid: list[int], rows: list[str], *, indent: int = 0, cell_margin: int = 108) -> str:
    cols = "".join(f'<w:gridCol w:w="{g}"/>' for g in grid)
    borders = "".join(f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for edge in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(grid)}" w:type="dxa"/><w:tblInd w:w="{indent}" w:type="dxa"/>'
            f"<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
            f'<w:tblCellMar><w:left w:w="{cell_margin}" w:type="dxa"/><w:right w:w="{cell_margin}" w:type="dxa"/></w:tblCellMar>'
            f"</w:tblPr><w:tblGrid>{cols}</w:tblGrid>{''.join(rows)}</w:tbl>")


def section(width: int = 16838, height: int = 11906, margin: int = 720, *, header: bool = False) -> str:
    reference = '<w:headerReference w:type="default" r:id="rId2"/>' if header else ""
    return (f'<w:sectPr>{reference}<w:pgSz w:w="{width}" w:h="{height}" w:orient="landscape"/>'
            f'<w:pgMar w:top="{margin}" w:right="{margin}" w:bottom="{margin}" w:left="{margin}" '
            f'w:header="0" w:footer="0" w:gutter="0"/></w:sectPr>')


# --------------------------------------------------------------------------- DrawingML


def _line_props(*, arrow: bool, no_line: bool = False, head: bool = False) -> str:
    if no_line:
        return "<a:ln><a:noFill/></a:ln>"
    ends = '<a:tailEnd type="triangle"/>' if arrow else ""
    if head:
        ends = '<a:headEnd type="triangle"/>'
    return f'<a:ln w="9525"><a:solidFill><a:srgbClr val="000000"/></a:solidFill>{ends}</a:ln>'


def txbx(text: str) -> str:
    return f"<wps:txbx><w:txbxContent>{p(text=text)}</w:txbxContent></wps:txbx>"


def wsp(prst: str, cx: int, cy: int, *, text: str = "", arrow: bool = False, head: bool = False,
        flip_h: bool = False, flip_v: bool = False, label: bool = False, off: tuple[int, int] = (0, 0),
        path: list[tuple[int, int]] | None = None) -> str:
    """One wps shape of cx x cy EMU at ``off`` (EMU; inside a group)."""
    flips = (' flipH="1"' if flip_h else "") + (' flipV="1"' if flip_v else "")
    if path is not None:
        tags = ["moveTo" if i == 0 else "lnTo" for i in range(len(path))]
        moves = "".join(f'<a:{tag}><a:pt x="{x}" y="{y}"/></a:{tag}>' for tag, (x, y) in zip(tags, path))
        geometry = (f'<a:custGeom><a:avLst/><a:gdLst/><a:ahLst/><a:cxnLst/><a:rect l="0" t="0" r="r" b="b"/>'
                    f'<a:pathLst><a:path w="{max(cx, 1)}" h="{max(cy, 1)}" fill="none">{moves}</a:path></a:pathLst></a:custGeom>')
    else:
        geometry = f'<a:prstGeom prst="{prst}"><a:avLst/></a:prstGeom>'
    line_like = path is not None or prst in ("line", "straightConnector1", "bentConnector3")
    fill = "<a:noFill/>" if (line_like or label) else '<a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill>'
    body_insets = ' lIns="0" tIns="0" rIns="0" bIns="0"' if label else ""
    nv = '<wps:cNvSpPr txBox="1"/>' if label else ("<wps:cNvCnPr/>" if line_like and path is None else "<wps:cNvSpPr/>")
    return (f"<wps:wsp>{nv}<wps:spPr><a:xfrm{flips}><a:off x=\"{off[0]}\" y=\"{off[1]}\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm>"
            f"{geometry}{fill}{_line_props(arrow=arrow, no_line=label, head=head)}</wps:spPr>"
            f"{txbx(text) if text else ''}<wps:bodyPr{body_insets}/></wps:wsp>")


def anchor(graphic: str, x: int, y: int, cx: int, cy: int, *, rel_h: str = "page", rel_v: str = "page",
           in_cell: bool = True, group: bool = False, align_h: str | None = None, canvas: bool = False) -> str:
    """A run holding a floating drawing at (x, y) twips from the frames named."""
    uri = ("http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" if group
           else "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" if canvas
           else "http://schemas.microsoft.com/office/word/2010/wordprocessingShape")
    shape_id = next_id()
    pos_h = f"<wp:align>{align_h}</wp:align>" if align_h else f"<wp:posOffset>{x * EMU}</wp:posOffset>"
    return (f'<w:r><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{shape_id}" '
            f'behindDoc="0" locked="0" layoutInCell="{1 if in_cell else 0}" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
            f'<wp:positionH relativeFrom="{rel_h}">{pos_h}</wp:positionH>'
            f'<wp:positionV relativeFrom="{rel_v}"><wp:posOffset>{y * EMU}</wp:posOffset></wp:positionV>'
            f'<wp:extent cx="{max(cx, 1) * EMU}" cy="{max(cy, 1) * EMU}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
            f'<wp:docPr id="{shape_id}" name="Bentuk {shape_id}"/><wp:cNvGraphicFramePr/>'
            f'<a:graphic><a:graphicData uri="{uri}">{graphic}</a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>')


def inline(graphic: str, cx: int, cy: int) -> str:
    shape_id = next_id()
    return (f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx * EMU}" cy="{cy * EMU}"/>'
            f'<wp:docPr id="{shape_id}" name="Bentuk {shape_id}"/><a:graphic><a:graphicData '
            f'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">{graphic}</a:graphicData></a:graphic>'
            f"</wp:inline></w:drawing></w:r>")


def group(children: list[str], cx: int, cy: int) -> str:
    """A wpg group whose child coordinates are EMU from its top-left corner."""
    return (f'<wpg:wgp><wpg:cNvGrpSpPr/><wpg:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/>'
            f'<a:chOff x="0" y="0"/><a:chExt cx="{cx}" cy="{cy}"/></a:xfrm></wpg:grpSpPr>{"".join(children)}</wpg:wgp>')


def canvas(children: list[str]) -> str:
    """A drawing canvas: children positioned in EMU from its top-left corner."""
    return f"<wpc:wpc><wpc:bg/><wpc:whole/>{''.join(children)}</wpc:wpc>"


def alternate(drawing_run: str, fallback_pict: str) -> str:
    """Word 2010+ style: the DrawingML choice and a VML fallback of the same shape."""
    inner_choice = drawing_run[len("<w:r>"):-len("</w:r>")]
    return (f'<w:r><mc:AlternateContent><mc:Choice Requires="wps">{inner_choice}</mc:Choice>'
            f"<mc:Fallback>{fallback_pict}</mc:Fallback></mc:AlternateContent></w:r>")


# --------------------------------------------------------------------------- VML

VML_TYPES = {"terminator": 116, "process": 109, "decision": 110, "connector": 177}


def vml_shape(kind: str, x: int, y: int, w: int, h: int, *, rel: str = "page", text: str = "") -> str:
    number = VML_TYPES[kind]
    style = (f"position:absolute;margin-left:{x / 20:.2f}pt;margin-top:{y / 20:.2f}pt;width:{w / 20:.2f}pt;"
             f"height:{h / 20:.2f}pt;z-index:{next_id()};mso-position-horizontal-relative:{rel};"
             f"mso-position-vertical-relative:{rel}")
    box = f"<v:textbox><w:txbxContent>{p(text=text)}</w:txbxContent></v:textbox>" if text else ""
    return (f'<w:pict><v:shapetype id="_x0000_t{number}" coordsize="21600,21600" o:spt="{number}" path="m,l21600,l21600,21600l,21600xe"/>'
            f'<v:shape id="s{next_id()}" type="#_x0000_t{number}" style="{style}" fillcolor="white" strokecolor="black">{box}</v:shape></w:pict>')


def vml_line(x1: int, y1: int, x2: int, y2: int, *, rel: str = "page", arrow: bool = True) -> str:
    style = f"position:absolute;z-index:{next_id()};mso-position-horizontal-relative:{rel};mso-position-vertical-relative:{rel}"
    stroke = '<v:stroke endarrow="block"/>' if arrow else ""
    return (f'<w:pict><v:line id="l{next_id()}" style="{style}" from="{x1 / 20:.2f}pt,{y1 / 20:.2f}pt" '
            f'to="{x2 / 20:.2f}pt,{y2 / 20:.2f}pt" strokecolor="black">{stroke}</v:line></w:pict>')


def vml_label(text: str, x: int, y: int, *, rel: str = "page") -> str:
    style = (f"position:absolute;margin-left:{x / 20:.2f}pt;margin-top:{y / 20:.2f}pt;width:30pt;height:12pt;"
             f"z-index:{next_id()};mso-position-horizontal-relative:{rel};mso-position-vertical-relative:{rel}")
    return (f'<w:pict><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"/>'
            f'<v:shape id="b{next_id()}" type="#_x0000_t202" style="{style}" filled="f" stroked="f">'
            f"<v:textbox><w:txbxContent>{p(text=text)}</w:txbxContent></v:textbox></v:shape></w:pict>")


# --------------------------------------------------------------------------- package

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)


DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
#: 9 pt Arial, no space after paragraphs (how SOP sheets are usually typed).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr>'
    '<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial" w:eastAsia="Arial"/><w:sz w:val="18"/><w:szCs w:val="18"/>'
    '<w:lang w:val="id-ID"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>'
)


def write_docx(path: Path, body: str, *, application: str = "Microsoft Office Word", header: str | None = None) -> Path:
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NAMESPACES}><w:body>{body}'
                f"{section(header=header is not None)}</w:body></w:document>")
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/'
           f'officeDocument/2006/extended-properties"><Application>{escape(application)}</Application></Properties>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("_rels/.rels", RELS)
        package.writestr("word/document.xml", document)
        package.writestr("docProps/app.xml", app)
        rels = DOCUMENT_RELS
        types = CONTENT_TYPES
        if header is not None:
            rels = rels.replace("</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                                'officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>')
            types = types.replace("</Types>", '<Override PartName="/word/header1.xml" ContentType="application/'
                                  'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>')
            package.writestr("word/header1.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                                 f"<w:hdr {NAMESPACES}>{header}<w:p/></w:hdr>")
        package.writestr("[Content_Types].xml", types)
        package.writestr("word/_rels/document.xml.rels", rels)
        package.writestr("word/styles.xml", STYLES)
    return path
