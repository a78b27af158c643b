//! Distance travelled: each Parent/Child Indicator's score from the baseline at sign-off
//! through every review. A need is the same indicator across versions when its words match
//! (ignoring case and spacing), since the family names its needs and re-scores them by name.
use chrono::NaiveDate;
use serde::Serialize;

/// The scores at one moment: the signed-off assessment or a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// "Start" or "Review 2".
    pub label: String,
    pub on: NaiveDate,
    /// The CAF version that holds these scores.
    pub version: i64,
    pub scores: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    pub label: String,
    pub on: NaiveDate,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub need: String,
    /// One per point: `None` where the need was not scored (added later, or dropped).
    pub scores: Vec<Option<i64>>,
}

impl Indicator {
    /// The first and latest scores, when the need has at least one.
    pub fn first_and_latest(&self) -> Option<(i64, i64)> {
        let mut scored = self.scores.iter().flatten();
        let first = *scored.next()?;
        Some((first, *scored.last().unwrap_or(&first)))
    }

    /// In words: "Sleep: 4 at first, 2 now: 2 points less concern".
    pub fn sentence(&self) -> String {
        match self.first_and_latest() {
            None => format!("{}: not scored", self.need),
            Some((first, _)) if self.scores.iter().flatten().count() == 1 => {
                format!("{}: scored {first}, not yet scored again", self.need)
            }
            Some((first, latest)) => {
                let change = match latest - first {
                    0 => "no change".to_string(),
                    d if d < 0 => format!("{} {} less concern", -d, points(-d)),
                    d => format!("{d} {} more concern", points(d)),
                };
                format!("{}: {first} at first, {latest} now: {change}", self.need)
            }
        }
    }
}

fn points(n: i64) -> &'static str {
    if n == 1 {
        "point"
    } else {
        "points"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Series {
    pub points: Vec<Point>,
    pub indicators: Vec<Indicator>,
}

impl Series {
    /// The series as it stood at `version`: its points up to that version, and the needs
    /// scored by then.
    pub fn until(&self, version: i64) -> Series {
        let kept = self
            .points
            .iter()
            .take_while(|p| p.version <= version)
            .count();
        Series {
            points: self.points[..kept].to_vec(),
            indicators: self
                .indicators
                .iter()
                .map(|i| Indicator {
                    need: i.need.clone(),
                    scores: i.scores[..kept].to_vec(),
                })
                .filter(|i| i.scores.iter().any(Option::is_some))
                .collect(),
        }
    }
}

fn key(need: &str) -> String {
    need.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The series of every indicator across `measures` (oldest first), in the order the needs
/// were first scored.
pub fn series(measures: &[Measure]) -> Series {
    let mut indicators: Vec<(String, Indicator)> = vec![];
    for (i, measure) in measures.iter().enumerate() {
        for (need, score) in &measure.scores {
            let k = key(need);
            let at = match indicators.iter().position(|(known, _)| *known == k) {
                Some(at) => at,
                None => {
                    indicators.push((
                        k,
                        Indicator {
                            need: need.trim().to_string(),
                            scores: vec![None; measures.len()],
                        },
                    ));
                    indicators.len() - 1
                }
            };
            indicators[at].1.scores[i] = Some(*score);
        }
    }
    Series {
        points: measures
            .iter()
            .map(|m| Point {
                label: m.label.clone(),
                on: m.on,
                version: m.version,
            })
            .collect(),
        indicators: indicators.into_iter().map(|(_, i)| i).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(label: &str, version: i64, scores: &[(&str, i64)]) -> Measure {
        Measure {
            label: label.into(),
            on: NaiveDate::from_ymd_opt(2027, 1, version as u32).unwrap(),
            version,
            scores: scores.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
        }
    }

    #[test]
    fn scores_line_up_by_need_across_reviews() {
        let s = series(&[
            measure("Start", 1, &[("Sleep", 4), ("School attendance", 5)]),
            measure("Review 1", 2, &[("sleep ", 3), ("Friendships", 4)]),
            measure(
                "Review 2",
                3,
                &[("Sleep", 2), ("Friendships", 3), ("School  attendance", 3)],
            ),
        ]);
        assert_eq!(s.points.len(), 3);
        assert_eq!(s.points[2].version, 3);
        let needs: Vec<&str> = s.indicators.iter().map(|i| i.need.as_str()).collect();
        assert_eq!(needs, ["Sleep", "School attendance", "Friendships"]);
        assert_eq!(s.indicators[0].scores, [Some(4), Some(3), Some(2)]);
        assert_eq!(s.indicators[1].scores, [Some(5), None, Some(3)]);
        assert_eq!(s.indicators[2].scores, [None, Some(4), Some(3)]);
    }

    #[test]
    fn the_sentence_says_which_way_things_went() {
        let s = series(&[
            measure("Start", 1, &[("Sleep", 4), ("Anger", 2), ("Money", 3)]),
            measure(
                "Review 1",
                2,
                &[("Sleep", 2), ("Anger", 3), ("Money", 3), ("Housing", 5)],
            ),
        ]);
        let said: Vec<String> = s.indicators.iter().map(|i| i.sentence()).collect();
        assert_eq!(
            said,
            [
                "Sleep: 4 at first, 2 now: 2 points less concern",
                "Anger: 2 at first, 3 now: 1 point more concern",
                "Money: 3 at first, 3 now: no change",
                "Housing: scored 5, not yet scored again",
            ]
        );
    }

    #[test]
    fn a_series_until_a_version_keeps_what_was_scored_by_then() {
        let s = series(&[
            measure("Start", 1, &[("Sleep", 4)]),
            measure("Review 1", 2, &[("Sleep", 3), ("Housing", 5)]),
        ]);
        let at_start = s.until(1);
        assert_eq!(at_start.points.len(), 1);
        assert_eq!(at_start.indicators.len(), 1);
        assert_eq!(at_start.indicators[0].scores, [Some(4)]);
        assert_eq!(s.until(2), s);
    }

    #[test]
    fn no_measures_is_an_empty_series() {
        assert_eq!(series(&[]), Series::default());
    }
}
