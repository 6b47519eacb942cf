//! The PDF procès-verbal de réception: the document an MDPH director signs and sends back to the
//! State. A4 portrait, French, real (selectable) text in an embedded DejaVu Sans subset, PDF/A-2u.
//!
//! Layout happens first, into pages of drawing operations (`Doc`: a cursor, line heights, page
//! breaks, wrapping by measured width), so that the total page count is known when the pages are
//! drawn with krilla and every footer can say "page N / M".
//!
//! krilla does not expose glyph metrics, so the few font tables needed to measure text (`cmap`,
//! `hmtx`) are read here (`Metrics`); the glyphs drawn are exactly the ones measured (one glyph per
//! character, no kerning), so what is measured is what is printed.

use crate::reception::anomaly::{Anomaly, AnomalyGroup};
use crate::reception::report::{DeliveryIdentity, FileCheck, ReceptionReport, Verdict};
use crate::report::{fr_date, fr_int};
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Paint, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use std::collections::HashMap;
use std::sync::LazyLock;

mod dossier;
pub use dossier::{DossierFile, PrintInfo, linked_lines, render_dossier, save_dossier};

pub(crate) static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Renders the report as a PDF document.
pub fn render(report: &ReceptionReport) -> Result<Vec<u8>, String> {
    let fonts = Fonts::load()?;
    // The signature block states the page count: lay out again until it is the real one (the
    // block never splits, so the number it prints cannot change the page count in practice).
    let mut pages = 1;
    let mut doc = layout(&fonts, report, pages);
    for _ in 0..3 {
        if doc.pages.len() == pages {
            break;
        }
        pages = doc.pages.len();
        doc = layout(&fonts, report, pages);
    }
    doc.finish(report)
}

fn layout<'f>(fonts: &'f Fonts, report: &ReceptionReport, pages: usize) -> Doc<'f> {
    let mut doc = Doc::new(fonts);
    title_block(&mut doc, report);
    verdict_block(&mut doc, report);
    identity_section(&mut doc, &report.delivery);
    dates_section(&mut doc, report);
    files_section(&mut doc, report);
    log_section(&mut doc, report);
    anomalies_section(&mut doc, report);
    signature_section(&mut doc, report, pages);
    doc
}

// ---------------------------------------------------------------------------------------------
// Page geometry, colours, type

/// A4 portrait, in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// 22 mm side margins.
const LEFT: f32 = 62.4;
const RIGHT: f32 = PAGE_W - 62.4;
const WIDTH: f32 = RIGHT - LEFT;
/// Where content starts on page 1, and on the following pages (below the running header).
const TOP_FIRST: f32 = 54.0;
const TOP: f32 = 68.0;
/// Where content must end (the footer lies below).
const BOTTOM: f32 = PAGE_H - 74.0;
/// Width of the labels of label / value lines.
const LABEL_W: f32 = 148.0;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rgb(u8, u8, u8);

const INK: Rgb = Rgb(0x1a, 0x1a, 0x1a);
const GREY: Rgb = Rgb(0x5f, 0x63, 0x68);
const LIGHT_RULE: Rgb = Rgb(0xc4, 0xc9, 0xd0);
const NAVY: Rgb = Rgb(0x1f, 0x3a, 0x5f);
const GREEN: Rgb = Rgb(0x1b, 0x5e, 0x20);
const GREEN_TINT: Rgb = Rgb(0xea, 0xf4, 0xeb);
const RED: Rgb = Rgb(0x9b, 0x1c, 0x1c);
const RED_TINT: Rgb = Rgb(0xfb, 0xea, 0xea);
const AMBER: Rgb = Rgb(0x8a, 0x4b, 0x00);
const HEADER_TINT: Rgb = Rgb(0xe6, 0xeb, 0xf2);
const ZEBRA: Rgb = Rgb(0xf5, 0xf6, 0xf8);

#[derive(Clone, Copy, Debug, PartialEq)]
struct Style {
    bold: bool,
    size: f32,
    color: Rgb,
}

impl Style {
    const fn regular(size: f32) -> Style {
        Style {
            bold: false,
            size,
            color: INK,
        }
    }

    const fn bold(size: f32) -> Style {
        Style {
            bold: true,
            size,
            color: INK,
        }
    }

    const fn color(self, color: Rgb) -> Style {
        Style { color, ..self }
    }
}

// ---------------------------------------------------------------------------------------------
// Fonts: the metrics krilla does not expose

/// What is needed to measure and place text: unit size, advance of every glyph, and the
/// character → glyph map, read from the `head`, `hhea`, `maxp`, `hmtx` and `cmap` tables.
#[derive(Debug)]
struct Metrics {
    units_per_em: f32,
    advances: Vec<u16>,
    cmap: HashMap<char, u16>,
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        d.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        d.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

impl Metrics {
    fn parse(data: &[u8]) -> Option<Metrics> {
        let tables: HashMap<&[u8], &[u8]> = (0..usize::from(be16(data, 4)?))
            .map(|i| {
                let rec = 12 + 16 * i;
                let tag = data.get(rec..rec + 4)?;
                let offset = be32(data, rec + 8)? as usize;
                let len = be32(data, rec + 12)? as usize;
                Some((tag, data.get(offset..offset.checked_add(len)?)?))
            })
            .collect::<Option<_>>()?;
        let head = tables.get(&b"head"[..])?;
        let hhea = tables.get(&b"hhea"[..])?;
        let maxp = tables.get(&b"maxp"[..])?;
        let hmtx = tables.get(&b"hmtx"[..])?;
        let cmap = tables.get(&b"cmap"[..])?;

        let units_per_em = f32::from(be16(head, 18)?);
        let glyphs = usize::from(be16(maxp, 4)?);
        let metrics = usize::from(be16(hhea, 34)?).clamp(1, glyphs.max(1));
        let mut advances = (0..metrics)
            .map(|g| be16(hmtx, 4 * g))
            .collect::<Option<Vec<u16>>>()?;
        let last = *advances.last()?;
        advances.resize(glyphs.max(metrics), last);

        // Prefer the full-repertoire subtable (format 12), else the BMP one (format 4).
        let mut best: Option<(u16, &[u8])> = None;
        for i in 0..usize::from(be16(cmap, 2)?) {
            let rec = 4 + 8 * i;
            let (platform, encoding) = (be16(cmap, rec)?, be16(cmap, rec + 2)?);
            let sub = cmap.get(be32(cmap, rec + 4)? as usize..)?;
            let format = be16(sub, 0)?;
            let unicode = platform == 0 || (platform == 3 && matches!(encoding, 1 | 10));
            if unicode && (format == 12 || (format == 4 && best.is_none())) {
                best = Some((format, sub));
            }
        }
        let (format, sub) = best?;
        let mut map = HashMap::new();
        if format == 12 {
            for i in 0..be32(sub, 12)? as usize {
                let rec = 16 + 12 * i;
                let (start, end, glyph) =
                    (be32(sub, rec)?, be32(sub, rec + 4)?, be32(sub, rec + 8)?);
                for code in start..=end.min(0x10_FFFF) {
                    let g = u16::try_from(glyph + (code - start)).ok()?;
                    if let Some(c) = char::from_u32(code) {
                        map.insert(c, g);
                    }
                }
            }
        } else {
            let segs = usize::from(be16(sub, 6)? / 2);
            let (ends, starts) = (14, 16 + 2 * segs);
            let (deltas, ranges) = (starts + 2 * segs, starts + 4 * segs);
            for s in 0..segs {
                let (start, end) = (be16(sub, starts + 2 * s)?, be16(sub, ends + 2 * s)?);
                let delta = be16(sub, deltas + 2 * s)?;
                let range = usize::from(be16(sub, ranges + 2 * s)?);
                for code in start..=end {
                    if code == 0xFFFF {
                        break;
                    }
                    let g = if range == 0 {
                        code.wrapping_add(delta)
                    } else {
                        let at = ranges + 2 * s + range + 2 * usize::from(code - start);
                        match be16(sub, at)? {
                            0 => 0,
                            g => g.wrapping_add(delta),
                        }
                    };
                    if let (Some(c), true) = (char::from_u32(code.into()), g != 0) {
                        map.insert(c, g);
                    }
                }
            }
        }
        map.retain(|_, g| usize::from(*g) < advances.len());
        Some(Metrics {
            units_per_em,
            advances,
            cmap: map,
        })
    }
}

static METRICS: LazyLock<Option<[Metrics; 2]>> =
    LazyLock::new(|| Some([Metrics::parse(REGULAR_TTF)?, Metrics::parse(BOLD_TTF)?]));

struct Face {
    font: Font,
    metrics: &'static Metrics,
}

impl Face {
    fn glyph(&self, c: char) -> u16 {
        self.metrics.cmap.get(&c).copied().unwrap_or(0)
    }

    /// Width of `s` in ems.
    fn ems(&self, s: &str) -> f32 {
        s.chars()
            .map(|c| f32::from(self.metrics.advances[usize::from(self.glyph(c))]))
            .sum::<f32>()
            / self.metrics.units_per_em
    }

    fn glyphs(&self, s: &str) -> Vec<KrillaGlyph> {
        s.char_indices()
            .map(|(i, c)| {
                let g = self.glyph(c);
                let advance = f32::from(self.metrics.advances[usize::from(g)]);
                KrillaGlyph::new(
                    GlyphId::new(g.into()),
                    advance / self.metrics.units_per_em,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn load() -> Result<Fonts, String> {
        let [regular, bold] = METRICS
            .as_ref()
            .ok_or("police DejaVu Sans intégrée illisible (tables cmap / hmtx)")?;
        let font = |data: &'static [u8]| {
            Font::new(data.into(), 0).ok_or("police DejaVu Sans intégrée illisible par krilla")
        };
        Ok(Fonts {
            regular: Face {
                font: font(REGULAR_TTF)?,
                metrics: regular,
            },
            bold: Face {
                font: font(BOLD_TTF)?,
                metrics: bold,
            },
        })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }

    fn has(&self, c: char) -> bool {
        self.regular.metrics.cmap.contains_key(&c) && self.bold.metrics.cmap.contains_key(&c)
    }

    fn width(&self, s: &str, style: Style) -> f32 {
        self.face(style.bold).ems(s) * style.size
    }

    /// Text as it can be printed: tabs become spaces, other control characters are shown
    /// escaped (`\u{1b}`), characters the font lacks by their code point.
    fn clean(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\n' => out.push('\n'),
                '\t' => out.push(' '),
                c if c.is_control() => out.extend(c.escape_debug()),
                c if self.has(c) => out.push(c),
                c => out.extend(c.escape_unicode()),
            }
        }
        out
    }

    /// ✓ / ✗ when the font has them, else oui / non.
    fn mark(&self, ok: bool) -> &'static str {
        match (ok, self.has('✓') && self.has('✗')) {
            (true, true) => "✓",
            (false, true) => "✗",
            (true, false) => "oui",
            (false, false) => "non",
        }
    }

    /// Whether a line may break after `chars[i]`.
    fn breaks_after(chars: &[char], i: usize) -> bool {
        let Some(&next) = chars.get(i + 1) else {
            return false;
        };
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        match chars[i] {
            // Not before French high punctuation or a closing guillemet, not after an opening
            // one, not inside a number written with thousands separators.
            ' ' => {
                !matches!(next, ':' | ';' | '!' | '?' | '»' | ' ')
                    && prev != Some('«')
                    && !(prev.is_some_and(|p| p.is_ascii_digit()) && next.is_ascii_digit())
            }
            // Paths break after a separator; dates (15/10/2008) do not.
            '/' | '\\' => next != ' ' && !prev.is_some_and(|p| p.is_ascii_digit()),
            // Long identifiers (TABLE_ETABLISSEMENT_PRISE_EN_CHARGE) break after an underscore.
            '_' => next.is_alphanumeric() && prev.is_some_and(char::is_alphanumeric),
            _ => false,
        }
    }

    /// Splits `text` into lines no wider than `width` (explicit `\n` kept).
    fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        let text = self.clean(text);
        let mut out = Vec::new();
        for para in text.split('\n') {
            let chars: Vec<char> = para.chars().collect();
            let mut pieces = Vec::new();
            let mut piece = String::new();
            for (i, &c) in chars.iter().enumerate() {
                piece.push(c);
                if Self::breaks_after(&chars, i) {
                    pieces.push(std::mem::take(&mut piece));
                }
            }
            pieces.push(piece);

            let fits = |s: &str| self.width(s.trim_end(), style) <= width;
            let mut line = String::new();
            for piece in pieces {
                let candidate = format!("{line}{piece}");
                if fits(&candidate) {
                    line = candidate;
                    continue;
                }
                if !line.trim_end().is_empty() {
                    out.push(line.trim_end().to_string());
                }
                line = String::new();
                if fits(&piece) {
                    line = piece;
                    continue;
                }
                // A word wider than the line: cut it where it overflows.
                for c in piece.chars() {
                    line.push(c);
                    if !fits(&line) && line.chars().count() > 1 {
                        line.pop();
                        out.push(std::mem::take(&mut line).trim_end().to_string());
                        line.push(c);
                    }
                }
            }
            out.push(line.trim_end().to_string());
        }
        out
    }

    /// `text` on one line no wider than `width`, shortened with "…" if needed.
    fn fit(&self, text: &str, style: Style, width: f32) -> String {
        let text = self.clean(text);
        if self.width(&text, style) <= width {
            return text;
        }
        let mut s: String = text.clone();
        while !s.is_empty() && self.width(&format!("{s}…"), style) > width {
            s.pop();
        }
        format!("{}…", s.trim_end())
    }
}

// ---------------------------------------------------------------------------------------------
// Layout: pages of drawing operations

#[derive(Clone, Debug)]
enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
        width: f32,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

/// Cap height of DejaVu Sans, in ems: used to centre a line of text in its line box.
const CAP: f32 = 0.729;

/// The layout cursor: pages so far, and the top of the next line on the last page.
struct Doc<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Nothing placed yet on the current page (vertical gaps are dropped there).
    fresh: bool,
}

impl<'f> Doc<'f> {
    fn new(fonts: &'f Fonts) -> Doc<'f> {
        Doc {
            fonts,
            pages: vec![Vec::new()],
            y: TOP_FIRST,
            fresh: true,
        }
    }

    fn push(&mut self, op: Op) {
        self.fresh = false;
        self.pages
            .last_mut()
            .expect("a document has a page")
            .push(op);
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
        self.fresh = true;
    }

    /// Starts a new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM && !self.fresh {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn advance(&mut self, h: f32) {
        self.y += h;
    }

    /// Vertical space, except at the top of a page.
    fn gap(&mut self, h: f32) {
        if !self.fresh {
            self.y = (self.y + h).min(BOTTOM);
        }
    }

    /// One line of text in a box of height `line_h` whose top is `top`.
    fn text_at(&mut self, x: f32, top: f32, line_h: f32, style: Style, text: &str, align: Align) {
        let baseline = top + (line_h + CAP * style.size) / 2.0;
        self.text_on(x, baseline, style, text, align);
    }

    /// One line of text on the given baseline.
    fn text_on(&mut self, x: f32, baseline: f32, style: Style, text: &str, align: Align) {
        let op = text_op(self.fonts, x, baseline, style, text, align);
        self.push(op);
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, color: Rgb, width: f32) {
        self.push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            color,
            width,
        });
    }

    fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    ) {
        self.push(Op::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }

    /// A wrapped paragraph between `x` and `x + width` (for `Align::Center`, `x` is the centre).
    fn paragraph(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        style: Style,
        line_h: f32,
        align: Align,
    ) {
        for line in self.fonts.wrap(text, style, width) {
            self.ensure(line_h);
            let y = self.y;
            self.text_at(x, y, line_h, style, &line, align);
            self.advance(line_h);
        }
    }

    /// A bullet list starting at `x`, items wrapped with a hanging indent.
    fn bullets(&mut self, x: f32, items: &[String], style: Style, bullet: Rgb) {
        let line_h = style.size * 1.38;
        let indent = style.size * 1.2;
        for item in items {
            let lines = self.fonts.wrap(item, style, RIGHT - x - indent);
            for (i, line) in lines.iter().enumerate() {
                self.ensure(line_h);
                let y = self.y;
                if i == 0 {
                    self.text_at(
                        x,
                        y,
                        line_h,
                        Style::bold(style.size).color(bullet),
                        "•",
                        Align::Left,
                    );
                }
                self.text_at(x + indent, y, line_h, style, line, Align::Left);
                self.advance(line_h);
            }
            self.advance(1.5);
        }
    }

    /// A numbered section title with a rule; keeps `keep` points of what follows on its page.
    fn heading(&mut self, number: usize, title: &str, keep: f32) {
        self.gap(20.0);
        self.ensure(26.0 + keep);
        let y = self.y;
        self.text_at(
            LEFT,
            y,
            16.0,
            Style::bold(11.5).color(NAVY),
            &format!("{number}. {title}"),
            Align::Left,
        );
        self.rule(LEFT, RIGHT, y + 19.0, NAVY, 0.6);
        self.advance(27.0);
    }

    /// "Label    value" with the value wrapped in its column.
    fn field(&mut self, label: &str, value: &str, style: Style) {
        let line_h = 13.6;
        let lines = self.fonts.wrap(value, style, WIDTH - LABEL_W);
        self.ensure(line_h * lines.len().min(3) as f32);
        // The label sits on the baseline of the first line of the value.
        let baseline = self.y + (line_h + CAP * style.size) / 2.0;
        let label_style = Style::regular(9.0).color(GREY);
        self.text_on(LEFT, baseline, label_style, label, Align::Left);
        for line in lines {
            self.ensure(line_h);
            let y = self.y;
            self.text_at(LEFT + LABEL_W, y, line_h, style, &line, Align::Left);
            self.advance(line_h);
        }
    }

    /// A table: on each new page, `caption` "(suite)" and the header row are repeated.
    fn table(&mut self, caption: &str, columns: &[Column], rows: &[Row]) {
        let header = self.header_row(columns);
        let start = self.table_start(columns, rows);
        self.ensure(start);
        self.draw_header(columns, header);
        for (i, row) in rows.iter().enumerate() {
            let h = self.row_height(columns, row);
            if self.y + h > BOTTOM && i > 0 {
                self.rule(LEFT, RIGHT, self.y, NAVY, 0.8);
                self.new_page();
                let y = self.y;
                let style = Style::bold(8.5).color(GREY);
                self.text_at(
                    LEFT,
                    y,
                    12.0,
                    style,
                    &format!("{caption} (suite)"),
                    Align::Left,
                );
                self.advance(16.0);
                self.draw_header(columns, header);
            }
            self.draw_row(columns, row, h, i);
        }
        self.rule(LEFT, RIGHT, self.y, NAVY, 0.8);
    }

    /// Height of the header and the first three rows (150 points at most): a table does not
    /// start with less at the foot of a page.
    fn table_start(&self, columns: &[Column], rows: &[Row]) -> f32 {
        let header = self.header_row(columns);
        let first: f32 = rows
            .iter()
            .take(3)
            .map(|r| self.row_height(columns, r))
            .sum();
        header + first.min(150.0)
    }

    fn header_row(&self, columns: &[Column]) -> f32 {
        let lines = columns
            .iter()
            .map(|c| self.fonts.wrap(c.title, TH, c.width - 2.0 * PAD_X).len())
            .max()
            .unwrap_or(1);
        lines as f32 * TH_LINE + 2.0 * PAD_Y + 1.0
    }

    fn draw_header(&mut self, columns: &[Column], h: f32) {
        let top = self.y;
        self.rect(LEFT, top, WIDTH, h, Some(HEADER_TINT), None);
        self.rule(LEFT, RIGHT, top, NAVY, 0.8);
        self.rule(LEFT, RIGHT, top + h, NAVY, 0.8);
        let mut x = LEFT;
        for c in columns {
            let lines = self.fonts.wrap(c.title, TH, c.width - 2.0 * PAD_X);
            // Header labels sit on the bottom of their cell, above the values.
            let mut y = top + h - PAD_Y - lines.len() as f32 * TH_LINE;
            for line in lines {
                let (lx, align) = c.anchor(x);
                self.text_at(lx, y, TH_LINE, TH, &line, align);
                y += TH_LINE;
            }
            x += c.width;
        }
        self.advance(h);
    }

    fn cell_lines(&self, column: &Column, cell: &[Cell]) -> Vec<(String, Style, f32)> {
        let width = column.width - 2.0 * PAD_X;
        let mut out = Vec::new();
        for c in cell {
            let line_h = c.style.size * 1.32;
            if c.nowrap {
                // Numbers: never cut, shrunk if they do not fit.
                let text = self.fonts.clean(&c.text);
                let w = self.fonts.width(&text, c.style);
                let style = if w > width {
                    Style {
                        size: c.style.size * width / w,
                        ..c.style
                    }
                } else {
                    c.style
                };
                out.push((text, style, line_h));
            } else {
                for line in self.fonts.wrap(&c.text, c.style, width) {
                    out.push((line, c.style, line_h));
                }
            }
        }
        out
    }

    fn below_lines(&self, row: &Row) -> Vec<(Vec<String>, Style)> {
        row.below
            .iter()
            .map(|c| {
                let width = WIDTH - 2.0 * PAD_X - BELOW_INDENT - c.style.size * 1.2;
                (self.fonts.wrap(&c.text, c.style, width), c.style)
            })
            .collect()
    }

    fn row_height(&self, columns: &[Column], row: &Row) -> f32 {
        let cells = columns
            .iter()
            .zip(&row.cells)
            .map(|(c, cell)| self.cell_lines(c, cell).iter().map(|l| l.2).sum::<f32>())
            .fold(0.0, f32::max);
        let below: f32 = self
            .below_lines(row)
            .iter()
            .map(|(lines, style)| lines.len() as f32 * style.size * 1.32)
            .sum();
        cells + below + 2.0 * PAD_Y + if below > 0.0 { 2.0 } else { 0.0 }
    }

    fn draw_row(&mut self, columns: &[Column], row: &Row, h: f32, index: usize) {
        let top = self.y;
        let tint = row.tint.or((index % 2 == 1).then_some(ZEBRA));
        if let Some(t) = tint {
            self.rect(LEFT, top, WIDTH, h, Some(t), None);
        }
        let mut x = LEFT;
        let mut cells_h: f32 = 0.0;
        for (c, cell) in columns.iter().zip(&row.cells) {
            let mut y = top + PAD_Y;
            for (line, style, line_h) in self.cell_lines(c, cell) {
                let (lx, align) = c.anchor(x);
                self.text_at(lx, y, line_h, style, &line, align);
                y += line_h;
            }
            cells_h = cells_h.max(y - top - PAD_Y);
            x += c.width;
        }
        let mut y = top + PAD_Y + cells_h + 2.0;
        for (lines, style) in self.below_lines(row) {
            let line_h = style.size * 1.32;
            let x = LEFT + PAD_X + BELOW_INDENT;
            for (i, line) in lines.iter().enumerate() {
                if i == 0 {
                    self.text_at(x, y, line_h, style, "•", Align::Left);
                }
                self.text_at(x + style.size * 1.2, y, line_h, style, line, Align::Left);
                y += line_h;
            }
        }
        self.rule(LEFT, RIGHT, top + h, LIGHT_RULE, 0.5);
        self.advance(h);
    }

    /// Draws the procès-verbal's pages.
    fn finish(self, report: &ReceptionReport) -> Result<Vec<u8>, String> {
        let name = report.delivery.name.clone();
        // PDF/A requires a date: that of the check, else now.
        let now = chrono::Local::now().naive_local();
        let date =
            chrono::NaiveDateTime::parse_from_str(report.checked_at.trim(), "%Y-%m-%d %H:%M:%S")
                .unwrap_or(now);
        let footer_name = name.clone();
        self.finish_with(&Chrome {
            title: format!("{TITLE} — {name}"),
            description: format!(
                "{} — {}",
                report.verdict.label(),
                departement(&report.delivery)
            ),
            creator: report.tool.clone(),
            date,
            running_left: "Procès-verbal de réception des fichiers de reprise".into(),
            running_right: name,
            footer: Box::new(move |fonts, page, total, style| {
                footer(fonts, &footer_name, page, total, style)
            }),
            what: "du procès-verbal",
        })
    }

    /// Draws the pages with krilla: running header (from page 2), content, footer.
    fn finish_with(self, chrome: &Chrome) -> Result<Vec<u8>, String> {
        let fonts = self.fonts;
        let total = self.pages.len();
        let configuration = ConfigurationBuilder::new()
            .with_archival_validator(Archival::A2_U)
            .finish()
            .map_err(|e| format!("configuration PDF/A : {e:?}"))?;
        let mut document = Document::new_with(SerializeSettings {
            configuration,
            ..SerializeSettings::default()
        });
        // Control characters have no place in the XMP metadata either.
        let mut metadata = Metadata::new()
            .title(fonts.clean(&chrome.title))
            .description(fonts.clean(&chrome.description))
            .language("fr-FR".into())
            .creator(fonts.clean(&chrome.creator))
            .producer("krilla".into());
        if let Some(date) = pdf_date(chrome.date) {
            metadata = metadata.creation_date(date);
        }
        document.set_metadata(metadata);

        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("format de page invalide")?;
        for (i, ops) in self.pages.iter().enumerate() {
            let mut chrome_ops = Vec::new();
            let small = Style::regular(7.5).color(GREY);
            if i > 0 {
                let left = chrome.running_left.as_str();
                chrome_ops.push(text_op(fonts, LEFT, 44.0, small, left, Align::Left));
                let room = WIDTH - fonts.width(left, small) - 24.0;
                chrome_ops.push(text_op(
                    fonts,
                    RIGHT,
                    44.0,
                    small,
                    &fonts.fit(&chrome.running_right, small, room),
                    Align::Right,
                ));
                chrome_ops.push(Op::Line {
                    x1: LEFT,
                    y1: 50.0,
                    x2: RIGHT,
                    y2: 50.0,
                    color: LIGHT_RULE,
                    width: 0.5,
                });
            }
            chrome_ops.push(Op::Line {
                x1: LEFT,
                y1: PAGE_H - 52.0,
                x2: RIGHT,
                y2: PAGE_H - 52.0,
                color: LIGHT_RULE,
                width: 0.5,
            });
            chrome_ops.push(text_op(
                fonts,
                PAGE_W / 2.0,
                PAGE_H - 38.0,
                small,
                &(chrome.footer)(fonts, i + 1, total, small),
                Align::Center,
            ));

            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for op in chrome_ops.iter().chain(ops) {
                draw(&mut surface, fonts, op);
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| format!("écriture {} en PDF impossible : {e:?}", chrome.what))
    }
}

/// The footer line of page N of M.
type FooterFn = Box<dyn Fn(&Fonts, usize, usize, Style) -> String>;

/// What surrounds the content of every page, and the document's metadata.
struct Chrome {
    title: String,
    description: String,
    creator: String,
    date: chrono::NaiveDateTime,
    /// The running header, from page 2.
    running_left: String,
    running_right: String,
    /// The footer line of page N of M.
    footer: FooterFn,
    /// "du procès-verbal", "de la fiche": for error messages.
    what: &'static str,
}

/// "Reprise — procès-verbal de réception <name> — page N / M", the name shortened if needed.
fn footer(fonts: &Fonts, name: &str, page: usize, total: usize, style: Style) -> String {
    let head = "Reprise — procès-verbal de réception ";
    let tail = format!(" — page {page} / {total}");
    let room = WIDTH - fonts.width(head, style) - fonts.width(&tail, style);
    format!("{head}{}{tail}", fonts.fit(name, style, room))
}

fn text_op(fonts: &Fonts, x: f32, baseline: f32, style: Style, text: &str, align: Align) -> Op {
    let text = fonts.clean(text);
    let w = fonts.width(&text, style);
    let x = match align {
        Align::Left => x,
        Align::Center => x - w / 2.0,
        Align::Right => x - w,
    };
    Op::Text {
        x,
        y: baseline,
        style,
        text,
    }
}

fn paint(c: Rgb) -> Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

fn draw(surface: &mut Surface, fonts: &Fonts, op: &Op) {
    match op {
        Op::Text { x, y, style, text } => {
            let face = fonts.face(style.bold);
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: paint(style.color),
                ..Fill::default()
            }));
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &face.glyphs(text),
                face.font.clone(),
                text,
                style.size,
                false,
            );
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => {
            let mut pb = PathBuilder::new();
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            pb.push_rect(rect);
            if let Some(path) = pb.finish() {
                surface.set_fill(fill.map(|c| Fill {
                    paint: paint(c),
                    ..Fill::default()
                }));
                surface.set_stroke(stroke.map(|(c, width)| Stroke {
                    paint: paint(c),
                    width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            color,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: paint(*color),
                    width: *width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}

/// A local time as a PDF date, with this machine's UTC offset then.
fn pdf_date(t: chrono::NaiveDateTime) -> Option<DateTime> {
    use chrono::{Datelike, Offset, TimeZone, Timelike};
    let date = DateTime::new(u16::try_from(t.year()).ok()?)
        .month(u8::try_from(t.month()).ok()?)
        .day(u8::try_from(t.day()).ok()?)
        .hour(u8::try_from(t.hour()).ok()?)
        .minute(u8::try_from(t.minute()).ok()?)
        .second(u8::try_from(t.second()).ok()?);
    Some(match chrono::Local.from_local_datetime(&t).earliest() {
        Some(local) => {
            let offset = local.offset().fix().local_minus_utc() / 60;
            date.utc_offset_hour(i8::try_from(offset / 60).ok()?)
                .utc_offset_minute(u8::try_from((offset % 60).abs()).ok()?)
        }
        None => date,
    })
}

// ---------------------------------------------------------------------------------------------
// Tables

const PAD_X: f32 = 5.0;
const PAD_Y: f32 = 3.6;
const TH: Style = Style::bold(7.4).color(NAVY);
const TH_LINE: f32 = 9.4;
const BELOW_INDENT: f32 = 10.0;

struct Column {
    title: &'static str,
    width: f32,
    align: Align,
}

impl Column {
    /// Where text is anchored in a cell starting at `x`.
    fn anchor(&self, x: f32) -> (f32, Align) {
        match self.align {
            Align::Left => (x + PAD_X, Align::Left),
            Align::Center => (x + self.width / 2.0, Align::Center),
            Align::Right => (x + self.width - PAD_X, Align::Right),
        }
    }
}

struct Cell {
    text: String,
    style: Style,
    nowrap: bool,
}

impl Cell {
    fn wrap(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
            nowrap: false,
        }
    }

    fn number(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
            nowrap: true,
        }
    }
}

struct Row {
    cells: Vec<Vec<Cell>>,
    /// Bulleted lines under the cells, across the whole width.
    below: Vec<Cell>,
    tint: Option<Rgb>,
}

// ---------------------------------------------------------------------------------------------
// The sections

fn departement(d: &DeliveryIdentity) -> String {
    match (d.libelle_departement.trim(), d.departement.trim()) {
        ("", "") => "(département non indiqué)".into(),
        ("", code) => code.into(),
        (name, "") => name.into(),
        (name, code) => format!("{name} ({code})"),
    }
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.into()
    }
}

/// "1 anomalie", "12 anomalies" (French: 0 and 1 take the singular).
fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", fr_int(n), if n < 2 { one } else { many })
}

/// `2008-10-15 20:00:00` → `15/10/2008 à 20:00:00`.
fn fr_datetime(s: &str) -> Option<String> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.format("%d/%m/%Y à %H:%M:%S").to_string())
}

const TITLE: &str = "Procès-verbal de réception des fichiers de reprise";

fn title_block(doc: &mut Doc, report: &ReceptionReport) {
    let d = &report.delivery;
    let y = doc.y;
    doc.text_at(
        LEFT,
        y,
        12.0,
        Style::bold(9.5).color(NAVY),
        &format!("MDPH — {}", departement(d)),
        Align::Left,
    );
    let app = format!("Reprise des données {} {}", d.application, d.version);
    doc.text_at(
        RIGHT,
        y,
        12.0,
        Style::regular(8.5).color(GREY),
        app.trim(),
        Align::Right,
    );
    doc.rule(LEFT, RIGHT, y + 17.0, NAVY, 1.2);
    doc.advance(38.0);

    // The largest size that keeps the title on one line.
    let size = [18.0, 17.0, 16.0, 15.0]
        .into_iter()
        .find(|&s| doc.fonts.width(TITLE, Style::bold(s)) <= WIDTH)
        .unwrap_or(15.0);
    doc.paragraph(
        PAGE_W / 2.0,
        WIDTH,
        TITLE,
        Style::bold(size),
        size * 1.3,
        Align::Center,
    );
    doc.advance(6.0);
    doc.paragraph(
        PAGE_W / 2.0,
        WIDTH,
        &d.name,
        Style::bold(11.5).color(NAVY),
        15.0,
        Align::Center,
    );
    doc.advance(2.0);
    let checked = match fr_datetime(&report.checked_at) {
        Some(when) => format!("Contrôle effectué avec {} le {when}", report.tool),
        None => format!(
            "Contrôle effectué avec {} ({})",
            report.tool, report.checked_at
        ),
    };
    doc.paragraph(
        PAGE_W / 2.0,
        WIDTH,
        &checked,
        Style::regular(8.5).color(GREY),
        12.0,
        Align::Center,
    );
    doc.advance(16.0);
}

fn verdict_block(doc: &mut Doc, report: &ReceptionReport) {
    let (ink, tint) = match report.verdict {
        Verdict::Conforme => (GREEN, GREEN_TINT),
        Verdict::NonConforme => (RED, RED_TINT),
    };
    let h = 70.0;
    doc.ensure(h);
    let top = doc.y;
    doc.rect(LEFT, top, WIDTH, h, Some(tint), Some((ink, 1.8)));
    doc.text_at(
        PAGE_W / 2.0,
        top + 9.0,
        12.0,
        Style::bold(8.0).color(ink),
        "RÉSULTAT DU CONTRÔLE DE RÉCEPTION",
        Align::Center,
    );
    doc.text_at(
        PAGE_W / 2.0,
        top + 27.0,
        32.0,
        Style::bold(27.0).color(ink),
        report.verdict.label(),
        Align::Center,
    );
    doc.advance(h + 12.0);

    if !report.reasons.is_empty() {
        doc.ensure(40.0);
        let y = doc.y;
        doc.text_at(
            LEFT,
            y,
            14.0,
            Style::bold(10.0).color(RED),
            "Motifs de non-conformité",
            Align::Left,
        );
        doc.advance(17.0);
        doc.bullets(LEFT + 4.0, &report.reasons, Style::regular(9.5), RED);
    } else if report.verdict == Verdict::Conforme {
        let y = doc.y;
        doc.text_at(
            LEFT,
            y,
            14.0,
            Style::regular(9.5),
            "Aucun motif de non-conformité n'a été relevé.",
            Align::Left,
        );
        doc.advance(16.0);
    }
    if !report.warnings.is_empty() {
        doc.gap(6.0);
        doc.ensure(40.0);
        let y = doc.y;
        doc.text_at(
            LEFT,
            y,
            14.0,
            Style::bold(10.0).color(AMBER),
            "Points d'attention",
            Align::Left,
        );
        doc.advance(17.0);
        doc.bullets(LEFT + 4.0, &report.warnings, Style::regular(9.5), AMBER);
    }
}

fn identity_section(doc: &mut Doc, d: &DeliveryIdentity) {
    doc.heading(1, "Identification de la livraison", 60.0);
    let v = Style::regular(9.5);
    doc.field("Livraison", &or_dash(&d.name), Style::bold(9.5));
    doc.field(
        "Application",
        &or_dash(format!("{} {}", d.application, d.version).trim()),
        v,
    );
    let dep = match (d.departement.trim(), d.libelle_departement.trim()) {
        ("", "") => "—".to_string(),
        (code, "") => code.to_string(),
        ("", name) => name.to_string(),
        (code, name) => format!("{code} — {name}"),
    };
    doc.field("Département", &dep, v);
    doc.field("Centre d'extraction", &or_dash(&d.centre), v);
    doc.field("Date d'extraction", &or_dash(&d.extraction), v);
    doc.field("Forme de la livraison", &or_dash(&d.form), v);
    doc.field("Encodage", &or_dash(&d.encoding), v);
    doc.field("Source", &or_dash(&d.source), v);
}

fn dates_section(doc: &mut Doc, report: &ReceptionReport) {
    doc.heading(2, "Réception et délai de vérification", 40.0);
    let line_h = 15.0;
    doc.paragraph(
        LEFT,
        WIDTH,
        &format!("Reçue le {}", fr_date(report.received_on)),
        Style::regular(10.0),
        line_h,
        Align::Left,
    );
    doc.paragraph(
        LEFT,
        WIDTH,
        &format!(
            "Délai de vérification : 15 jours ouvrés, jusqu'au {} inclus",
            fr_date(report.deadline)
        ),
        Style::bold(10.0),
        line_h,
        Align::Left,
    );
}

fn files_section(doc: &mut Doc, report: &ReceptionReport) {
    let fonts = doc.fonts;
    let columns = file_columns();
    let rows: Vec<Row> = report.files.iter().map(|f| file_row(fonts, f)).collect();
    // The title, the two summary lines and the start of the table stay together.
    doc.heading(
        3,
        "Contrôle des fichiers",
        34.0 + doc.table_start(&columns, &rows),
    );
    let n = report.files.len() as u64;
    let ok = report.files.iter().filter(|f| f.ok).count() as u64;
    let summary = if n == 0 {
        "Aucun fichier contrôlé.".to_string()
    } else {
        format!(
            "{} contrôlés : {}, {}.",
            count_of(n, "fichier", "fichiers"),
            count_of(ok, "conforme", "conformes"),
            count_of(n - ok, "non conforme", "non conformes")
        )
    };
    doc.paragraph(
        LEFT,
        WIDTH,
        &summary,
        Style::regular(9.5),
        14.0,
        Align::Left,
    );
    let table_rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    let tables = format!(
        "Tables lues : {} ({}).",
        fr_int(report.tables.len() as u64),
        count_of(table_rows, "ligne", "lignes")
    );
    doc.paragraph(LEFT, WIDTH, &tables, Style::regular(9.5), 14.0, Align::Left);
    doc.advance(6.0);
    if report.files.is_empty() {
        return;
    }

    doc.table("3. Contrôle des fichiers", &columns, &rows);
    doc.advance(5.0);
    let legend = format!(
        "SHA-256 : {} empreinte identique à celle déclarée dans CONTROLE.TXT, {} différente, — non disponible. \
         Les valeurs en rouge diffèrent de la déclaration.",
        fonts.mark(true),
        fonts.mark(false)
    );
    doc.paragraph(
        LEFT,
        WIDTH,
        &legend,
        Style::regular(7.5).color(GREY),
        10.0,
        Align::Left,
    );
}

fn file_columns() -> [Column; 6] {
    [
        Column {
            title: "Fichier",
            width: WIDTH - 2.0 * 54.0 - 2.0 * 67.0 - 50.0,
            align: Align::Left,
        },
        Column {
            title: "Lignes attendues",
            width: 54.0,
            align: Align::Right,
        },
        Column {
            title: "Lignes lues",
            width: 54.0,
            align: Align::Right,
        },
        Column {
            title: "Octets attendus",
            width: 67.0,
            align: Align::Right,
        },
        Column {
            title: "Octets lus",
            width: 67.0,
            align: Align::Right,
        },
        Column {
            title: "SHA-256",
            width: 50.0,
            align: Align::Center,
        },
    ]
}

fn file_row(fonts: &Fonts, f: &FileCheck) -> Row {
    let base = Style::regular(8.2);
    let number = |n: Option<u64>| n.map_or("—".to_string(), fr_int);
    let pair = |expected: Option<u64>, read: Option<u64>| {
        let differs = expected.is_some() && expected != read;
        let read_style = if differs {
            Style::bold(8.2).color(RED)
        } else {
            base
        };
        (
            vec![Cell::number(number(expected), base)],
            vec![Cell::number(number(read), read_style)],
        )
    };
    let mut path = vec![Cell::wrap(
        f.path.clone(),
        if f.ok {
            base
        } else {
            Style::bold(8.2).color(RED)
        },
    )];
    let note = Style::regular(7.0).color(RED);
    if !f.present {
        path.push(Cell::wrap("absent de la livraison", note));
    }
    if !f.listed {
        path.push(Cell::wrap("non déclaré dans CONTROLE.TXT", note));
    }
    let (rows_expected, rows_read) = pair(f.rows_expected, f.rows_read);
    let (bytes_expected, bytes_read) = pair(f.bytes_expected, f.bytes_read);
    let sha = match (&f.sha256_expected, &f.sha256_read) {
        (Some(e), Some(r)) if e.eq_ignore_ascii_case(r) => {
            Cell::number(fonts.mark(true), Style::bold(9.0).color(GREEN))
        }
        (Some(_), Some(_)) => Cell::number(fonts.mark(false), Style::bold(9.0).color(RED)),
        _ => Cell::number("—", base),
    };
    Row {
        cells: vec![
            path,
            rows_expected,
            rows_read,
            bytes_expected,
            bytes_read,
            vec![sha],
        ],
        below: Vec::new(),
        tint: (!f.ok).then_some(RED_TINT),
    }
}

fn log_section(doc: &mut Doc, report: &ReceptionReport) {
    let log = &report.log;
    doc.heading(4, "Journal d'extraction (EXTRACTION.LOG)", 50.0);
    let v = Style::regular(9.5);
    let bad = Style::bold(9.5).color(RED);
    if !log.present {
        doc.field("Journal", "absent de la livraison", bad);
        return;
    }
    doc.field("Journal", "présent", v);
    doc.field(
        "Fin normale",
        if log.normal_end { "oui" } else { "non" },
        if log.normal_end { v } else { bad },
    );
    let lists: [(&str, &Vec<String>, &str, &str, Rgb); 3] = [
        ("Erreurs", &log.errors, "aucune", "erreur", RED),
        (
            "Écarts de comptage",
            &log.count_mismatches,
            "aucun",
            "écart",
            RED,
        ),
        (
            "Avertissements",
            &log.warnings,
            "aucun",
            "avertissement",
            AMBER,
        ),
    ];
    for (label, items, none, unit, color) in lists {
        if items.is_empty() {
            doc.field(label, none, v);
        } else {
            let n = items.len() as u64;
            doc.field(
                label,
                &count_of(n, unit, &format!("{unit}s")),
                Style::bold(9.5).color(color),
            );
            doc.bullets(LEFT + LABEL_W, items, Style::regular(8.5), color);
        }
    }
}

/// A value as shown in an example: at most 60 characters, control characters escaped.
fn shown_value(v: &str) -> String {
    const MAX: usize = 60;
    let mut s = String::new();
    for c in v.chars().take(MAX) {
        if c.is_control() {
            s.extend(c.escape_debug());
        } else {
            s.push(c);
        }
    }
    if v.chars().count() > MAX {
        s.push('…');
    }
    s
}

fn example_line(a: &Anomaly) -> String {
    let mut s = if a.record == 0 {
        "fichier entier".to_string()
    } else {
        format!("enregistrement {}", fr_int(a.record))
    };
    if let Some(col) = &a.column {
        s.push_str(&format!(", colonne {col}"));
    }
    if let Some(v) = &a.value {
        s.push_str(&format!(" : « {} »", shown_value(v)));
    }
    if !a.detail.trim().is_empty() {
        s.push_str(&format!(" — {}", a.detail.trim()));
    }
    s
}

fn anomaly_row(g: &AnomalyGroup) -> Row {
    const SHOWN: usize = 3;
    let ex = Style::regular(7.6).color(GREY);
    let mut below: Vec<Cell> = g
        .examples
        .iter()
        .take(SHOWN)
        .map(|a| Cell::wrap(example_line(a), ex))
        .collect();
    let shown = below.len() as u64;
    if g.count > shown && shown > 0 {
        let others = g.count - shown;
        below.push(Cell::wrap(
            format!("… et {}", count_of(others, "autre", "autres")),
            ex,
        ));
    }
    Row {
        cells: vec![
            vec![Cell::wrap(g.label.clone(), Style::bold(8.6))],
            vec![Cell::wrap(g.table.clone(), Style::regular(8.6))],
            vec![Cell::number(fr_int(g.count), Style::bold(8.6))],
        ],
        below,
        tint: None,
    }
}

fn anomalies_section(doc: &mut Doc, report: &ReceptionReport) {
    let a = &report.anomalies;
    let columns = [
        Column {
            title: "Nature de l'anomalie",
            width: WIDTH - 150.0 - 70.0,
            align: Align::Left,
        },
        Column {
            title: "Table ou fichier",
            width: 150.0,
            align: Align::Left,
        },
        Column {
            title: "Nombre",
            width: 70.0,
            align: Align::Right,
        },
    ];
    let rows: Vec<Row> = a.groups.iter().map(anomaly_row).collect();
    // The title, the note, the total and the start of the table stay together.
    doc.heading(
        5,
        "Anomalies de données",
        35.0 + doc.table_start(&columns, &rows),
    );
    doc.paragraph(
        LEFT,
        WIDTH,
        "Relevées pour information : les anomalies de données ne modifient pas le verdict.",
        Style::regular(8.5).color(GREY),
        12.0,
        Align::Left,
    );
    doc.advance(3.0);
    if a.total == 0 {
        doc.paragraph(
            LEFT,
            WIDTH,
            "Aucune anomalie relevée.",
            Style::regular(9.5),
            14.0,
            Align::Left,
        );
        return;
    }
    let total = format!(
        "Total : {} ({})",
        count_of(a.total, "anomalie", "anomalies"),
        count_of(a.groups.len() as u64, "groupe", "groupes")
    );
    doc.paragraph(LEFT, WIDTH, &total, Style::bold(10.0), 15.0, Align::Left);
    doc.advance(5.0);
    doc.table("5. Anomalies de données", &columns, &rows);
}

fn signature_section(doc: &mut Doc, report: &ReceptionReport, pages: usize) {
    let d = &report.delivery;
    // The whole block stays on one page, and says what is signed, should it be read alone.
    let block = 250.0;
    doc.heading(6, "Visa de la MDPH", block);
    let recap = format!(
        "Livraison {}, reçue le {} : {}.",
        d.name,
        fr_date(report.received_on),
        report.verdict.label(),
    );
    let size = format!(
        "Le présent procès-verbal comporte {}.",
        count_of(pages as u64, "page", "pages")
    );
    for line in [recap, size] {
        doc.paragraph(LEFT, WIDTH, &line, Style::regular(9.5), 14.0, Align::Left);
    }
    doc.advance(8.0);
    let who = format!(
        "Pour la MDPH de {} — Le directeur / La directrice",
        departement(d)
    );
    doc.paragraph(LEFT, WIDTH, &who, Style::bold(10.0), 15.0, Align::Left);
    doc.advance(12.0);

    let top = doc.y;
    let col = 262.0;
    let label = Style::regular(9.5);
    let line_h = 14.0;
    for (i, name) in ["Nom :", "Date :"].into_iter().enumerate() {
        let y = top + i as f32 * 30.0;
        doc.text_at(LEFT, y, line_h, label, name, Align::Left);
        doc.rule(LEFT + 62.0, LEFT + col, y + line_h - 1.0, GREY, 0.6);
    }
    let y = top + 60.0;
    doc.text_at(LEFT, y, line_h, label, "Signature :", Align::Left);
    doc.rect(LEFT, y + line_h + 4.0, col, 96.0, None, Some((GREY, 0.6)));

    let x = LEFT + col + 26.0;
    let w = RIGHT - x;
    let h = 60.0 + line_h + 4.0 + 96.0;
    doc.rect(x, top, w, h, None, Some((GREY, 0.6)));
    doc.text_at(
        x + 7.0,
        top + 4.0,
        line_h,
        Style::regular(8.5).color(GREY),
        "Cachet",
        Align::Left,
    );
    doc.advance(h);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().expect("bundled fonts load")
    }

    #[test]
    fn fonts_cover_latin1_and_marks() {
        let f = fonts();
        for c in (' '..='~')
            .chain('\u{a0}'..='\u{ff}')
            .chain("—…«»’✓✗•".chars())
        {
            assert!(f.has(c), "{c:?} missing");
        }
        assert_eq!(f.mark(true), "✓");
        assert_eq!(f.regular.metrics.units_per_em, 2048.0);
        // Bold is wider than regular, a wider string is wider.
        let s = Style::regular(10.0);
        assert!(f.width("Procès", Style::bold(10.0)) > f.width("Procès", s));
        assert!(f.width("mmmm", s) > f.width("iiii", s));
        assert!((f.width("abc", Style::regular(20.0)) - 2.0 * f.width("abc", s)).abs() < 1e-3);
    }

    #[test]
    fn wrapping_respects_width_and_french_rules() {
        let f = fonts();
        let s = Style::regular(10.0);
        let text = "Délai de vérification : 15 jours ouvrés, jusqu'au 05/11/2008 inclus, \
                    pour 1 234 567 lignes lues et « une valeur » citée";
        for width in [90.0, 140.0, 300.0] {
            let lines = f.wrap(text, s, width);
            assert_eq!(lines.join(" "), text, "width {width}");
            assert!(lines.iter().any(|l| l.contains("05/11/2008")));
            for l in &lines {
                assert!(
                    f.width(l, s) <= width || !l.contains(' '),
                    "{l:?} at {width}"
                );
                assert!(!l.starts_with(':') && !l.starts_with('»') && !l.ends_with('«'));
                assert!(!l.starts_with("234") && !l.starts_with("567"), "{l:?}");
            }
        }
        // Paths break after a slash, and an unbreakable word is cut to fit.
        let lines = f.wrap("DONNEES/ITAC/INDIVIDU_ADRESSE.TXT", s, 90.0);
        assert!(lines.len() > 1 && lines[0].ends_with('/'), "{lines:?}");
        let long = "A".repeat(80);
        let lines = f.wrap(&long, s, 100.0);
        assert_eq!(lines.concat(), long);
        assert!(lines.iter().all(|l| f.width(l, s) <= 100.0));
        assert_eq!(f.wrap("a\nb", s, 100.0), ["a", "b"]);
    }

    #[test]
    fn values_are_escaped_and_truncated() {
        assert_eq!(shown_value("a\u{1b}b\tc"), "a\\u{1b}b\\tc");
        let long = "é".repeat(100);
        let v = shown_value(&long);
        assert_eq!(v.chars().count(), 61);
        assert!(v.ends_with('…'));
        let f = fonts();
        assert_eq!(f.clean("x\u{7}y"), "x\\u{7}y");
        // A character the font lacks is shown by its code point.
        assert_eq!(f.clean("中"), "\\u{4e2d}");
        let fit = f.fit(&"x".repeat(200), Style::regular(8.0), 50.0);
        assert!(fit.ends_with('…') && f.width(&fit, Style::regular(8.0)) <= 50.0);
    }

    #[test]
    fn layout_breaks_pages() {
        let f = fonts();
        let mut doc = Doc::new(&f);
        let items: Vec<String> = (0..200).map(|i| format!("motif numéro {i}")).collect();
        doc.bullets(LEFT, &items, Style::regular(9.5), RED);
        assert!(doc.pages.len() > 1);
        for page in &doc.pages {
            for op in page {
                if let Op::Text { y, .. } = op {
                    assert!(*y <= BOTTOM && *y >= TOP_FIRST, "{y}");
                }
            }
        }
        assert_eq!(
            fr_datetime("2008-10-15 20:00:00").as_deref(),
            Some("15/10/2008 à 20:00:00")
        );
        assert_eq!(fr_datetime("hier"), None);
        assert_eq!(count_of(1, "a", "as"), "1 a");
        assert_eq!(count_of(1500, "a", "as"), "1 500 as");
    }
}
