"""A reportlab canvas that writes each page to the file as soon as it is finished.

ReportLab's `Canvas` keeps every page (its uncompressed content stream) in memory until
`save()`: 40 KB a page of passes here, 800 MB for a 100,000-pass order. `StreamingCanvas` draws with the
same API, but after each `showPage()` its document formats the objects that are complete — the
page, its content stream, fonts, forms and images drawn so far — with reportlab's own
serialisation, writes them, and forgets them. It keeps only what the end of the file needs: the
byte offset of every object (8 bytes each, for the cross-reference table), the object number of
every page (for the page tree), and the few objects that grow until the end (catalog, page
tree, font dictionary, document information). Memory stays flat whatever the page count.

It relies on reportlab's `pdfdoc` internals (object registration by name, `PDFIndirectObject`):
tests/passes/test_printing.py checks the cross-reference table of its output byte by byte.
"""

import zlib
from array import array
from collections.abc import Sequence
from typing import BinaryIO

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

# Objects written as soon as they are registered: complete once reportlab registers them.
_WRITE_AT_ONCE = (
    pdfdoc.PDFPage,
    pdfdoc.PDFStream,  # page content streams and (subclasses) images
    pdfdoc.PDFFormXObject,
    pdfdoc.PDFImageXObject,
    pdfdoc.PDFType1Font,
)


class _Flate:
    """reportlab's Flate filter at a faster zlib level (its own uses the default, 6)."""

    pdfname = "FlateDecode"

    def __init__(self, level: int) -> None:
        self.level = level

    def encode(self, text: str | bytes) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        return zlib.compress(data, self.level)


# zlib level of the page streams. Measured on 3,000 passes: level 6 (zlib's default) took ~20 %
# more time than 3 for a file 17 % smaller; level 1, 3 % less time for a file 30 % larger.
FLATE_LEVEL = 3


class _PageTree(pdfdoc.PDFPages):
    """The page tree, built from page object numbers instead of the page objects themselves."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers = array("Q")

    def addPage(self, page: object) -> None:  # reportlab's name
        raise AssertionError("pages are added by number")

    def check_format(self, document: pdfdoc.PDFDocument) -> None:
        self.Kids = _Raw(b"[" + b" ".join(b"%d 0 R" % n for n in self.numbers) + b"]")
        self.Count = len(self.numbers)


class _Raw(pdfdoc.PDFObject):
    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        return self.data


class _StreamingDocument(pdfdoc.PDFDocument):
    """reportlab's PDFDocument, flushed to `out` page by page (see the module docstring)."""

    def start_streaming(self, out: BinaryIO) -> None:
        self._out = out
        header = pdfdoc.PDFFile(self._pdfVersion)
        self._offset = 0
        self._write(b"".join(header.strings))
        self._offsets = array("Q", [0])  # by object number; number 0 is the free entry
        self._done = 0  # objects numbered up to this one were written or kept for the end
        self._kept: list[int] = []  # numbers of the objects written at the end
        self.Pages = self.Catalog.Pages = _PageTree()
        self._compressed: bytes | None = None  # the next page's stream, made elsewhere

    def _write(self, data: bytes) -> int:
        offset = self._offset
        self._out.write(data)
        self._offset += len(data)
        return offset

    def addPage(self, page: pdfdoc.PDFPage) -> None:
        if self._compressed is not None:
            page.Contents = pdfdoc.PDFStream(
                dictionary=pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode")}),
                content=self._compressed,
            )
            self._compressed = None
        elif page.stream and page.compression and not page.Contents:
            # Flate only: reportlab's default adds ASCII85 (rl_config.useA85), pure Python in
            # its wheel, which took a third of the time and grew the file by a quarter.
            page.Contents = pdfdoc.PDFStream(content=page.stream, filters=[_Flate(FLATE_LEVEL)])
        name = self.thisPageName()
        self.Reference(page, name)
        self.Pages.numbers.append(self.idToObjectNumberAndVersion[name][0])
        self.pageCounter += 1
        self.inObject = None
        self._flush()

    def _flush(self) -> None:
        """Write every complete object registered since the last flush, then forget it."""
        number = self._done + 1
        while number <= self.objectcounter:  # formatting may register more objects
            name = self.numberToId[number]
            obj = self.idToObject[name]
            if isinstance(obj, _WRITE_AT_ONCE):
                self._write_object(number, name, obj)
                if isinstance(obj, pdfdoc.PDFPage) or name.startswith("R"):
                    # referenced only by the page tree (by number) or by their page, just written
                    del self.idToObject[name], self.numberToId[number]
                    del self.idToObjectNumberAndVersion[name]
            else:
                self._kept.append(number)
            number += 1
        self._done = number - 1

    def _write_object(self, number: int, name: str, obj: pdfdoc.PDFObject) -> None:
        data = pdfdoc.PDFIndirectObject(name, obj).format(self)
        while len(self._offsets) <= number:
            self._offsets.append(0)
        self._offsets[number] = self._write(data)

    def SaveToFile(self, filename: object, canvas: Canvas) -> None:
        """End of the document: the kept objects, the cross-reference table, the trailer."""
        for font in self.delayedFonts:
            font.addObjects(self)
        self.info.invariant = self.invariant
        self.info.digest(self.signature)
        catalog = self.Reference(self.Catalog)
        info = self.Reference(self.info)
        self.Outlines.prepare(self, canvas)
        if self.Outlines.ready < 0:
            self.Catalog.Outlines = None
        self._flush()
        # The kept objects may register new ones while formatting (the outline, the page tree).
        while self._kept:
            kept, self._kept = self._kept, []
            for number in kept:
                name = self.numberToId[number]
                self._write_object(number, name, self.idToObject[name])
            self._flush()
        count = self.objectcounter
        missing = [
            n for n in range(1, count + 1) if n >= len(self._offsets) or not self._offsets[n]
        ]
        if missing:
            raise RuntimeError(f"PDF objects never written: {missing[:10]}")
        xref_offset = self._offset
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)]
        lines.extend(b"%010d 00000 n \n" % self._offsets[n] for n in range(1, count + 1))
        self._write(b"".join(lines))
        trailer = pdfdoc.PDFTrailer(
            startxref=xref_offset, Size=count + 1, Root=catalog, Info=info, ID=self.ID()
        )
        self._write(trailer.format(self))


class StreamingCanvas(Canvas):
    """`Canvas(out)` whose pages go to the binary file `out` as they are shown; call `save()`."""

    def __init__(self, out: BinaryIO, **kwargs: object) -> None:
        super().__init__(out, **kwargs)  # type: ignore[arg-type]
        document = self._doc
        document.__class__ = _StreamingDocument
        assert isinstance(document, _StreamingDocument)
        document.start_streaming(out)

    def font_name(self, font: str) -> str:
        """The PDF resource name ("/F1") of a standard font, for operators written by hand."""
        return self._doc.getInternalFontName(font)

    def form_name(self, form: str) -> str:
        """The PDF resource name ("/FormXob.strip") of a form defined by beginForm(form)."""
        return "/" + self._doc.getXObjectName(form)

    @property
    def preamble(self) -> str:
        """What reportlab starts every page stream with (initial font)."""
        return self._preamble

    def show_compressed_page(self, content: bytes, *, forms: Sequence[str]) -> None:
        """Add a page whose content stream was made and Flate-compressed elsewhere; `forms`
        are the names of the forms it draws (its resources). Nothing drawn on the canvas since
        the last page may be pending."""
        assert not self._code, "drawing pending on the canvas"
        self._formsinuse.extend(forms)
        document = self._doc
        assert isinstance(document, _StreamingDocument)
        document._compressed = content
        self.showPage()
