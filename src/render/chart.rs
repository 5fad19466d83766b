//! Small charts of the pool over time (issue 19.5, SPEC §10): a 2x PNG for
//! SwiftBar's `image=` (with `width=`/`height=` in points, which SwiftBar on
//! macOS 26 needs) and a text sparkline (`▁▂▃▄▅▆▇█`) for xbar and terminals.
//!
//! Pure: series in, bytes or text out. PNG encoding uses the `png` crate
//! (docs/architecture.md says why).

use serde::{Deserialize, Serialize};

use crate::history::{Glance, Window};
use crate::model::Epoch;

/// The menu chart's size in points (drawn at 2x pixels).
pub const CHART_WIDTH_PT: u32 = 168;
pub const CHART_HEIGHT_PT: u32 = 24;
/// Cells of a menu sparkline.
pub const SPARK_CELLS: usize = 24;

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One window's precomputed chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartRow {
    pub window: Window,
    /// Base64 of the 2x PNG.
    pub png_base64: String,
    pub width_pt: u32,
    pub height_pt: u32,
    /// The same series as a sparkline of [`SPARK_CELLS`] cells.
    pub sparkline: String,
    /// Lowest and latest remaining fraction of capacity over the day (0..=1).
    pub low: f64,
    pub latest: f64,
}

/// The day charts of the known windows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MenuChart {
    pub rows: Vec<ChartRow>,
    /// The form the settings chose (`menu_chart`); baked in with the chart.
    #[serde(default)]
    pub form: ChartForm,
}

/// How the menu draws its day charts (`menu_chart`, docs/swiftbar.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartForm {
    /// A PNG under SwiftBar, a text sparkline in xbar.
    #[default]
    Auto,
    /// The PNG in both (xbar draws `image=` too, without a size).
    Image,
    /// The text sparkline in both: no images.
    Text,
    /// No chart.
    Off,
}

impl ChartForm {
    /// The form of a `menu_chart` setting (an unknown value is `auto`; the
    /// settings refuse one before it gets here).
    pub fn of_setting(value: &str) -> ChartForm {
        match value.trim().to_ascii_lowercase().as_str() {
            "image" => ChartForm::Image,
            "text" => ChartForm::Text,
            "off" => ChartForm::Off,
            _ => ChartForm::Auto,
        }
    }

    /// True when a menu of `swiftbar` (else xbar) shows the image.
    pub fn shows_image(self, swiftbar: bool) -> bool {
        match self {
            ChartForm::Auto => swiftbar,
            ChartForm::Image => true,
            ChartForm::Text | ChartForm::Off => false,
        }
    }
}

/// Fractions of capacity of `series` resampled to `cells` slots over
/// `(now - span, now]`: each slot holds the last value at or before its end
/// (None before the first point).
pub fn resample(
    series: &[(Epoch, f64, f64)],
    span: Epoch,
    cells: usize,
    now: Epoch,
) -> Vec<Option<f64>> {
    let start = now - span;
    let mut out = Vec::with_capacity(cells);
    let mut i = 0;
    let mut current: Option<f64> = None;
    for cell in 0..cells {
        let end = start + span * (cell as Epoch + 1) / cells.max(1) as Epoch;
        while i < series.len() && series[i].0 <= end {
            let (_, remaining, capacity) = series[i];
            current = (capacity > 0.0).then(|| (remaining / capacity).clamp(0.0, 1.0));
            i += 1;
        }
        out.push(current);
    }
    out
}

/// A sparkline of fractions (0..=1); a slot without data is a space.
pub fn sparkline(fractions: &[Option<f64>]) -> String {
    fractions
        .iter()
        .map(|f| match f {
            Some(f) if f.is_finite() => LEVELS[((f.clamp(0.0, 1.0) * 7.0).round() as usize).min(7)],
            _ => ' ',
        })
        .collect()
}

/// RGBA of the chart by the latest fraction: red < 20%, yellow < 70%, green.
fn colour(fraction: f64) -> [u8; 3] {
    match crate::quota::level(fraction) {
        crate::quota::Level::Red => [0xE0, 0x4F, 0x4F],
        crate::quota::Level::Yellow => [0xE0, 0xA8, 0x2E],
        crate::quota::Level::Green => [0x3F, 0xB9, 0x50],
    }
}

/// A `width_pt × height_pt` area chart at 2x pixels: the filled fraction of
/// capacity per column, a solid top line, a faint full-scale guide, a
/// transparent background (reads on light and dark menus).
pub fn png(fractions: &[Option<f64>], width_pt: u32, height_pt: u32) -> Vec<u8> {
    let (w, h) = ((width_pt * 2) as usize, (height_pt * 2) as usize);
    let mut pixels = vec![0u8; w * h * 4];
    let latest = fractions
        .iter()
        .rev()
        .flatten()
        .next()
        .copied()
        .unwrap_or(0.0);
    let [r, g, b] = colour(latest);
    let mut put = |x: usize, y: usize, alpha: u8| {
        let i = (y * w + x) * 4;
        pixels[i..i + 4].copy_from_slice(&[r, g, b, alpha]);
    };
    for x in 0..w {
        // The faint guide on the top and bottom rows.
        put(x, 0, 40);
        put(x, h - 1, 70);
        let slot = if fractions.is_empty() {
            None
        } else {
            fractions[(x * fractions.len() / w).min(fractions.len() - 1)]
        };
        let Some(f) = slot else { continue };
        let filled = ((f.clamp(0.0, 1.0) * (h - 1) as f64).round() as usize).min(h - 1);
        let top = h - 1 - filled;
        for y in top..h {
            put(x, y, if y <= top + 1 { 255 } else { 110 });
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let written = encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&pixels));
        if written.is_err() {
            return Vec::new();
        }
    }
    bytes
}

/// The menu's day charts of a glance in `form` (None when no window has
/// points, or the form is `off`). The `text` form encodes no image.
pub fn menu_chart(glance: &Glance, now: Epoch, form: ChartForm) -> Option<MenuChart> {
    use base64::Engine as _;
    if form == ChartForm::Off {
        return None;
    }
    let rows: Vec<ChartRow> = Window::ALL
        .into_iter()
        .filter_map(|window| {
            let series = glance.day(window);
            if series.is_empty() {
                return None;
            }
            let fine = resample(series, 86_400, (CHART_WIDTH_PT * 2) as usize, now);
            let known: Vec<f64> = fine.iter().flatten().copied().collect();
            let latest = *known.last()?;
            let low = known.iter().copied().fold(1.0, f64::min);
            let png_base64 = match form {
                ChartForm::Text => String::new(),
                _ => base64::engine::general_purpose::STANDARD.encode(png(
                    &fine,
                    CHART_WIDTH_PT,
                    CHART_HEIGHT_PT,
                )),
            };
            Some(ChartRow {
                window,
                png_base64,
                width_pt: CHART_WIDTH_PT,
                height_pt: CHART_HEIGHT_PT,
                sparkline: sparkline(&resample(series, 86_400, SPARK_CELLS, now)),
                low,
                latest,
            })
        })
        .collect();
    (!rows.is_empty()).then_some(MenuChart { rows, form })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_maps_fractions_to_eight_levels() {
        let f = [None, Some(0.0), Some(0.5), Some(1.0), Some(2.0)];
        assert_eq!(sparkline(&f), " ▁▅██");
    }

    #[test]
    fn resample_carries_the_last_value_forward() {
        let series = [(10, 50.0, 100.0), (60, 100.0, 100.0)];
        let cells = resample(&series, 100, 4, 100);
        // Slots end at 25, 50, 75, 100.
        assert_eq!(cells, [Some(0.5), Some(0.5), Some(1.0), Some(1.0)]);
        assert_eq!(resample(&series, 100, 2, 40), [None, Some(0.5)]);
    }

    #[test]
    fn png_is_a_small_valid_image_of_twice_the_points() {
        let fractions: Vec<Option<f64>> = (0..336).map(|i| Some((i % 50) as f64 / 50.0)).collect();
        let bytes = png(&fractions, CHART_WIDTH_PT, CHART_HEIGHT_PT);
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert!(bytes.len() < 6000, "a few KB, got {}", bytes.len());
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(
            (info.width, info.height),
            (CHART_WIDTH_PT * 2, CHART_HEIGHT_PT * 2)
        );
    }
}
