//! Plan names and their weights (Plus-base: one Plus account = 1).

use super::PlanWeights;

/// The smallest weight a plan can have.
pub const MIN_WEIGHT: f64 = 0.1;
/// The largest weight a plan can have (guards the sums against infinities).
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// The canonical plan name: trimmed, lower-case, `prolite` for `pro_lite`/`pro-lite`,
/// `unknown` when there is none.
pub fn normalize_plan(plan: Option<&str>) -> String {
    let plan = plan.map(|p| p.trim().to_lowercase()).unwrap_or_default();
    match plan.as_str() {
        "" => "unknown".to_string(),
        "prolite" | "pro_lite" | "pro-lite" => "prolite".to_string(),
        _ => plan,
    }
}

/// Weight of a plan: `pro` and `prolite` have their own weights, anything else
/// (plus, team, free, unknown) weighs like Plus. Clamped to `MIN_WEIGHT..=MAX_WEIGHT`;
/// a NaN weight counts as `MIN_WEIGHT`.
pub fn plan_weight(plan: Option<&str>, weights: &PlanWeights) -> f64 {
    let raw = match normalize_plan(plan).as_str() {
        "pro" => weights.pro,
        "prolite" => weights.prolite,
        _ => weights.plus,
    };
    clamp_weight(raw)
}

pub(crate) fn clamp_weight(weight: f64) -> f64 {
    if weight.is_nan() {
        MIN_WEIGHT
    } else {
        weight.clamp(MIN_WEIGHT, MAX_WEIGHT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_plan(Some(" Pro ")), "pro");
        assert_eq!(normalize_plan(Some("PRO_LITE")), "prolite");
        assert_eq!(normalize_plan(Some("pro-lite")), "prolite");
        assert_eq!(normalize_plan(Some("prolite")), "prolite");
        assert_eq!(normalize_plan(Some("Team")), "team");
        assert_eq!(normalize_plan(Some("  ")), "unknown");
        assert_eq!(normalize_plan(None), "unknown");
    }

    #[test]
    fn default_weights() {
        let w = PlanWeights::default();
        assert_eq!(plan_weight(Some("pro"), &w), 20.0);
        assert_eq!(plan_weight(Some("prolite"), &w), 10.0);
        assert_eq!(plan_weight(Some("pro_lite"), &w), 10.0);
        assert_eq!(plan_weight(Some("Pro-Lite"), &w), 10.0);
        assert_eq!(plan_weight(Some("plus"), &w), 1.0);
        assert_eq!(plan_weight(Some("team"), &w), 1.0);
        assert_eq!(plan_weight(Some("free"), &w), 1.0);
        assert_eq!(plan_weight(None, &w), 1.0);
    }

    #[test]
    fn weights_are_clamped() {
        let w = PlanWeights {
            plus: 0.0,
            prolite: -3.0,
            pro: f64::NAN,
        };
        assert_eq!(plan_weight(Some("plus"), &w), 0.1);
        assert_eq!(plan_weight(Some("prolite"), &w), 0.1);
        assert_eq!(plan_weight(Some("pro"), &w), 0.1);
        let big = PlanWeights {
            plus: 2.5,
            prolite: f64::INFINITY,
            pro: 0.1,
        };
        assert_eq!(plan_weight(Some("free"), &big), 2.5);
        assert_eq!(plan_weight(Some("prolite"), &big), MAX_WEIGHT);
        assert_eq!(plan_weight(Some("pro"), &big), 0.1);
    }
}
