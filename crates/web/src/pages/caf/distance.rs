//! Distance travelled drawn on the server: a line per Parent/Child Indicator from the start
//! through each review, as an SVG that works without JavaScript and prints, with the same
//! numbers in a table beside it. Lines differ by colour, dash and marker shape, so the
//! chart reads without colour, and its description says in words where each need went.
use ecaf_domain::caf::distance::Series;
use ecaf_domain::caf::review::SCORES;
use serde::Serialize;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// GOV.UK colours with at least 3:1 contrast on white, with a dash and marker each.
const STYLES: &[(&str, &str, &str)] = &[
    ("#1d70b8", "", "circle"),
    ("#d4351c", "8 4", "square"),
    ("#00703c", "2 4", "triangle"),
    ("#4c2c92", "12 4 2 4", "diamond"),
    ("#505a5f", "4 2", "circle"),
    ("#912b88", "10 6", "square"),
];

#[derive(Debug, Serialize)]
pub(super) struct Column {
    pub x: f64,
    pub label: String,
    pub on: String,
}

#[derive(Debug, Serialize)]
pub(super) struct Gridline {
    pub y: f64,
    pub score: i64,
}

#[derive(Debug, Serialize)]
pub(super) struct Marker {
    pub x: f64,
    pub y: f64,
    pub score: i64,
}

#[derive(Debug, Serialize)]
pub(super) struct Line {
    pub need: String,
    /// Runs of consecutive scores ("x,y x,y"); a need not scored at a point breaks its line.
    pub runs: Vec<String>,
    pub markers: Vec<Marker>,
    pub colour: &'static str,
    pub dash: &'static str,
    pub shape: &'static str,
    pub sentence: String,
    /// The table's cells, one per column ("" where not scored).
    pub cells: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right_edge: f64,
    pub bottom_edge: f64,
    pub columns: Vec<Column>,
    pub gridlines: Vec<Gridline>,
    pub lines: Vec<Line>,
    pub title: String,
}

fn y_of(score: i64) -> f64 {
    let (least, most) = (*SCORES.start() as f64, *SCORES.end() as f64);
    TOP + (most - score as f64) / (most - least) * (HEIGHT - TOP - BOTTOM)
}

/// The chart of `series`, or nothing when no indicator has been scored.
pub(super) fn chart(series: &Series) -> Option<Chart> {
    if series.indicators.is_empty() || series.points.is_empty() {
        return None;
    }
    let n = series.points.len();
    let plot = WIDTH - LEFT - RIGHT;
    let x_of = |i: usize| {
        if n == 1 {
            LEFT + plot / 2.0
        } else {
            LEFT + plot * i as f64 / (n - 1) as f64
        }
    };
    let columns = series
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| Column {
            x: x_of(i),
            label: p.label.clone(),
            on: p.on.format("%-d %b %Y").to_string(),
        })
        .collect();
    let gridlines = SCORES
        .map(|score| Gridline {
            y: y_of(score),
            score,
        })
        .collect();
    let lines = series
        .indicators
        .iter()
        .enumerate()
        .map(|(k, indicator)| {
            let (colour, dash, shape) = STYLES[k % STYLES.len()];
            let mut runs = vec![];
            let mut run: Vec<String> = vec![];
            let mut markers = vec![];
            for (i, score) in indicator.scores.iter().enumerate() {
                match score {
                    Some(score) => {
                        let (x, y) = (x_of(i), y_of(*score));
                        run.push(format!("{x:.1},{y:.1}"));
                        markers.push(Marker {
                            x,
                            y,
                            score: *score,
                        });
                    }
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run).join(" ")),
                    None => {}
                }
            }
            if !run.is_empty() {
                runs.push(run.join(" "));
            }
            Line {
                need: indicator.need.clone(),
                runs,
                markers,
                colour,
                dash,
                shape,
                sentence: indicator.sentence(),
                cells: indicator
                    .scores
                    .iter()
                    .map(|s| s.map(|s| s.to_string()).unwrap_or_default())
                    .collect(),
            }
        })
        .collect();
    let last = &series.points[n - 1].label;
    Some(Chart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right_edge: WIDTH - RIGHT,
        bottom_edge: HEIGHT - BOTTOM,
        columns,
        gridlines,
        lines,
        title: if n == 1 {
            "Parent/Child Indicator scores at the start".into()
        } else {
            format!(
                "Parent/Child Indicator scores from the start to {}",
                last.to_lowercase()
            )
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ecaf_domain::caf::distance::{series, Measure};

    fn measure(label: &str, version: i64, scores: &[(&str, i64)]) -> Measure {
        Measure {
            label: label.into(),
            on: NaiveDate::from_ymd_opt(2027, 1, version as u32).unwrap(),
            version,
            scores: scores.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
        }
    }

    #[test]
    fn the_table_holds_the_scores_and_the_lines_break_where_a_need_was_not_scored() {
        let chart = chart(&series(&[
            measure("Start", 1, &[("Sleep", 5), ("School", 3)]),
            measure("Review 1", 2, &[("Sleep", 3)]),
            measure("Review 2", 3, &[("Sleep", 1), ("School", 2)]),
        ]))
        .unwrap();
        assert_eq!(chart.columns.len(), 3);
        assert_eq!(chart.lines[0].cells, ["5", "3", "1"]);
        assert_eq!(chart.lines[1].cells, ["3", "", "2"]);
        assert_eq!(chart.lines[0].runs.len(), 1);
        assert_eq!(chart.lines[1].runs.len(), 2);
        // 5 is drawn at the top, 1 at the bottom of the plot.
        assert_eq!(chart.lines[0].markers[0].y, TOP);
        assert_eq!(chart.lines[0].markers[2].y, HEIGHT - BOTTOM);
        assert_eq!(chart.columns[0].x, LEFT);
        assert_eq!(chart.columns[2].x, WIDTH - RIGHT);
        assert_eq!(
            chart.title,
            "Parent/Child Indicator scores from the start to review 2"
        );
        assert_ne!(chart.lines[0].dash, chart.lines[1].dash);
    }

    #[test]
    fn nothing_scored_draws_nothing() {
        assert!(chart(&series(&[measure("Start", 1, &[])])).is_none());
    }
}
