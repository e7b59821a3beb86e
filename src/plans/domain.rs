//! Plans' forms and their rules, and the project templates. Pure.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::queries::{ProjectFields, TaskFields};
use crate::schedule::LinkKind;
use crate::web::amount::{AmountField, AmountMessages};
use crate::web::form::{self, FieldErrors};

pub const PROJECT_STATUSES: [&str; 4] = ["planning", "active", "suspended", "closed"];
pub const PROJECT_ROLES: [&str; 5] = ["manager", "planner", "engineer", "foreman", "viewer"];

/// A date field: empty is `None`; anything else must be `YYYY-MM-DD`.
pub fn optional_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) if (1900..=2200).contains(&chrono::Datelike::year(&d)) => Some(d),
        _ => {
            errors.add(field, "form.invalid_date");
            None
        }
    }
}

pub fn required_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    let d = optional_date(errors, field, value);
    if d.is_none() && !errors.has(field) {
        errors.add(field, "form.required");
    }
    d
}

/// A whole number within `range`; empty is `None`.
pub fn optional_int(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        Ok(_) => {
            errors.add(field, "form.out_of_range");
            None
        }
        Err(_) => {
            errors.add(field, "form.invalid_number");
            None
        }
    }
}

/// A non-negative decimal with at most `scale` places (trailing zeros not counted) and at
/// most `max`; empty is `None`.
pub fn optional_decimal(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: Decimal,
    scale: u32,
) -> Option<Decimal> {
    match AmountField::MONEY
        .with_scale(scale)
        .at_most(max)
        .parse(value)
    {
        Ok(d) => d,
        Err(e) => {
            errors.add(field, e.key(&AmountMessages::FORM));
            None
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProjectForm {
    pub code: String,
    pub name: String,
    pub client: String,
    pub project_type: String,
    pub location: String,
    pub contract_amount: String,
    pub planned_start: String,
    pub planned_finish: String,
    pub status: String,
    pub manager_id: String,
    pub calendar_id: String,
    /// On creation: `builtin:<key>` or `saved:<id>`, or empty for a blank project.
    pub template: String,
    pub version: i32,
}

impl ProjectForm {
    /// Checks every field; `users` and `calendars` are the ids that may be picked.
    pub fn validate(&self, users: &[i64], calendars: &[i64]) -> Result<ProjectFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = form::text(&mut e, "code", &self.code, true, 40);
        let name = form::text(&mut e, "name", &self.name, true, 200);
        let client = form::text(&mut e, "client", &self.client, false, 200);
        let project_type = form::text(&mut e, "project_type", &self.project_type, false, 100);
        let location = form::text(&mut e, "location", &self.location, false, 200);
        let max = Decimal::new(9_999_999_999_999_999, 2);
        let contract_amount =
            optional_decimal(&mut e, "contract_amount", &self.contract_amount, max, 2)
                .unwrap_or_default();
        let planned_start = required_date(&mut e, "planned_start", &self.planned_start);
        let planned_finish = optional_date(&mut e, "planned_finish", &self.planned_finish);
        if let (Some(s), Some(f)) = (planned_start, planned_finish)
            && f < s
        {
            e.add("planned_finish", "plans.finish_before_start");
        }
        if !PROJECT_STATUSES.contains(&self.status.as_str()) {
            e.add("status", "form.invalid_choice");
        }
        let manager_id = optional_int(&mut e, "manager_id", &self.manager_id, 1..=i64::MAX);
        if manager_id.is_some_and(|m| !users.contains(&m)) {
            e.add("manager_id", "form.invalid_choice");
        }
        let calendar_id = optional_int(&mut e, "calendar_id", &self.calendar_id, 1..=i64::MAX)
            .filter(|c| calendars.contains(c));
        if calendar_id.is_none() && !e.has("calendar_id") {
            e.add("calendar_id", "form.invalid_choice");
        }
        match (e.is_empty(), planned_start, calendar_id) {
            (true, Some(planned_start), Some(calendar_id)) => Ok(ProjectFields {
                code,
                name,
                client,
                project_type,
                location,
                contract_amount,
                planned_start,
                planned_finish,
                status: self.status.clone(),
                manager_id,
                calendar_id,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskForm {
    pub name: String,
    pub duration_days: String,
    pub milestone: Option<String>,
    pub start_no_earlier_than: String,
    pub deadline: String,
    pub responsible_id: String,
    pub notes: String,
    pub weight: String,
    /// For a new task: the summary it goes under (empty: top level).
    pub parent_id: String,
    /// For a new task: insert right below this task instead (empty: at the end).
    pub after_id: String,
    pub version: i32,
}

impl TaskForm {
    pub fn validate(&self, users: &[i64]) -> Result<TaskFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", &self.name, true, 200);
        let milestone = self.milestone.is_some();
        let duration = if milestone {
            0
        } else {
            optional_int(&mut e, "duration_days", &self.duration_days, 0..=10_000).unwrap_or(1)
        };
        let start_no_earlier_than =
            optional_date(&mut e, "start_no_earlier_than", &self.start_no_earlier_than);
        let deadline = optional_date(&mut e, "deadline", &self.deadline);
        let responsible_id =
            optional_int(&mut e, "responsible_id", &self.responsible_id, 1..=i64::MAX);
        if responsible_id.is_some_and(|r| !users.contains(&r)) {
            e.add("responsible_id", "form.invalid_choice");
        }
        let notes = form::multiline(&mut e, "notes", &self.notes, 10_000);
        let weight = optional_decimal(&mut e, "weight", &self.weight, Decimal::from(99_999_999), 2);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(TaskFields {
            name,
            duration_days: i32::try_from(duration).unwrap_or(1),
            milestone: milestone || duration == 0,
            start_no_earlier_than,
            deadline,
            responsible_id,
            notes,
            weight,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LinkForm {
    pub pred_id: String,
    pub kind: String,
    pub lag_days: String,
}

impl LinkForm {
    pub fn validate(&self, tasks: &[i64]) -> Result<(i64, LinkKind, i32), FieldErrors> {
        let mut e = FieldErrors::default();
        let pred = optional_int(&mut e, "pred_id", &self.pred_id, 1..=i64::MAX)
            .filter(|p| tasks.contains(p));
        if pred.is_none() && !e.has("pred_id") {
            e.add("pred_id", "form.invalid_choice");
        }
        let kind = LinkKind::parse(&self.kind);
        if kind.is_none() {
            e.add("kind", "form.invalid_choice");
        }
        let lag = optional_int(&mut e, "lag_days", &self.lag_days, -10_000..=10_000).unwrap_or(0);
        match (pred, kind, e.is_empty()) {
            (Some(p), Some(k), true) => Ok((p, k, i32::try_from(lag).unwrap_or(0))),
            _ => Err(e),
        }
    }
}

// Templates ---------------------------------------------------------------------------

/// A WBS to start a project from. Keys are local to the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateBody {
    pub tasks: Vec<TemplateTask>,
    pub links: Vec<TemplateLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateTask {
    pub key: i64,
    pub parent: Option<i64>,
    pub name: String,
    pub duration_days: i32,
    pub milestone: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateLink {
    pub pred: i64,
    pub succ: i64,
    pub kind: LinkKind,
    pub lag_days: i32,
}

/// The templates every tenant has.
pub const BUILTIN_TEMPLATES: [(&str, &str); 2] = [
    ("software_upgrade", "plans.template_software_upgrade"),
    ("building", "plans.template_building"),
];

/// (phase, [(task, days)]) with a trailing milestone per phase; names as "中文|English".
type Phase = (&'static str, &'static [(&'static str, i32)]);

const SOFTWARE_UPGRADE: [Phase; 3] = [
    (
        "环境准备与原型|Environment preparation and prototype",
        &[
            (
                "现状调研与需求确认|Current-state survey and requirements",
                3,
            ),
            ("测试环境搭建|Test environment setup", 4),
            ("原型开发|Prototype development", 6),
            ("试点用户评审|Pilot user review", 2),
            ("原型确认|Prototype signed off", 0),
        ],
    ),
    (
        "核心模块改造|Core module rework",
        &[
            ("数据模型改造|Data model rework", 10),
            ("核心业务模块改造|Core business module rework", 20),
            ("接口联调|Interface integration", 8),
            ("试点单位上线|Pilot site go-live", 5),
            ("试点问题整改|Pilot issue fixes", 5),
            ("试点验收|Pilot accepted", 0),
        ],
    ),
    (
        "全面上线与调优|Full go-live and tuning",
        &[
            ("数据迁移|Data migration", 5),
            ("用户培训|User training", 5),
            ("全面上线|Full go-live", 3),
            ("性能调优|Performance tuning", 10),
            ("运维交接|Handover to operations", 5),
            ("项目验收|Project acceptance", 0),
        ],
    ),
];

const BUILDING: [Phase; 6] = [
    (
        "基础工程|Foundation",
        &[
            ("土方开挖|Excavation", 15),
            ("桩基施工|Piling", 20),
            ("承台与地梁|Pile caps and ground beams", 15),
            ("基础验收|Foundation accepted", 0),
        ],
    ),
    (
        "主体结构|Structure",
        &[
            ("地下室结构|Basement structure", 30),
            ("主体结构施工|Superstructure", 90),
            ("主体封顶|Topping out", 0),
        ],
    ),
    (
        "围护结构|Envelope",
        &[
            ("砌体工程|Masonry", 40),
            ("外墙保温|External insulation", 25),
            ("门窗安装|Windows and doors", 20),
        ],
    ),
    (
        "装饰装修|Fit-out",
        &[
            ("抹灰工程|Plastering", 30),
            ("楼地面工程|Flooring", 25),
            ("涂饰工程|Painting", 20),
        ],
    ),
    (
        "机电安装|MEP",
        &[
            ("给排水|Plumbing", 45),
            ("建筑电气|Electrical", 45),
            ("通风空调|HVAC", 40),
            ("消防工程|Fire protection", 30),
        ],
    ),
    (
        "竣工验收|Acceptance",
        &[
            ("分部工程验收|Sub-division inspections", 10),
            ("消防验收|Fire acceptance", 5),
            ("竣工验收|Completion acceptance", 0),
        ],
    ),
];

/// A built-in template in the user's language (`chinese`), or `None` for an unknown key.
pub fn builtin_template(key: &str, chinese: bool) -> Option<TemplateBody> {
    let (phases, parallel): (&[Phase], bool) = match key {
        "software_upgrade" => (&SOFTWARE_UPGRADE, false),
        "building" => (&BUILDING, true),
        _ => return None,
    };
    let pick = |both: &str| {
        let (zh, en) = both.split_once('|').unwrap_or((both, both));
        if chinese { zh } else { en }.to_owned()
    };
    let mut tasks = Vec::new();
    let mut links = Vec::new();
    let mut key = 0i64;
    let mut phase_ends: Vec<(i64, i64)> = Vec::new();
    for (phase, items) in phases {
        key += 1;
        let phase_key = key;
        tasks.push(TemplateTask {
            key,
            parent: None,
            name: pick(phase),
            duration_days: 0,
            milestone: false,
        });
        let mut previous: Option<i64> = None;
        let first = key + 1;
        for (name, days) in *items {
            key += 1;
            tasks.push(TemplateTask {
                key,
                parent: Some(phase_key),
                name: pick(name),
                duration_days: *days,
                milestone: *days == 0,
            });
            if let Some(p) = previous {
                links.push(TemplateLink {
                    pred: p,
                    succ: key,
                    kind: LinkKind::FS,
                    lag_days: 0,
                });
            }
            previous = Some(key);
        }
        phase_ends.push((first, key));
    }
    // Phases follow one another; on a building site the envelope, fit-out and MEP overlap
    // the structure instead of waiting for it.
    for pair in phase_ends.windows(2) {
        let [(_, prev_last), (next_first, _)] = pair else {
            continue;
        };
        links.push(TemplateLink {
            pred: *prev_last,
            succ: *next_first,
            kind: LinkKind::FS,
            lag_days: 0,
        });
    }
    if parallel {
        // Structure → envelope (FS above) stays; MEP starts 20 days into the superstructure
        // and fit-out once masonry is done.
        let find = |name: &str| tasks.iter().find(|t| t.name == pick(name)).map(|t| t.key);
        let pairs = [
            (
                "主体结构施工|Superstructure",
                "给排水|Plumbing",
                LinkKind::SS,
                20,
            ),
            (
                "主体结构施工|Superstructure",
                "砌体工程|Masonry",
                LinkKind::SS,
                30,
            ),
        ];
        // Drop the sequential phase links the overlaps replace.
        let replaced = [
            ("门窗安装|Windows and doors", "抹灰工程|Plastering"),
            ("涂饰工程|Painting", "给排水|Plumbing"),
            ("主体封顶|Topping out", "砌体工程|Masonry"),
        ];
        links.retain(|l| {
            !replaced
                .iter()
                .any(|(a, b)| find(a) == Some(l.pred) && find(b) == Some(l.succ))
        });
        for (a, b, kind, lag) in pairs {
            if let (Some(pred), Some(succ)) = (find(a), find(b)) {
                links.push(TemplateLink {
                    pred,
                    succ,
                    kind,
                    lag_days: lag,
                });
            }
        }
        for (a, b) in [
            ("砌体工程|Masonry", "抹灰工程|Plastering"),
            ("涂饰工程|Painting", "分部工程验收|Sub-division inspections"),
        ] {
            if let (Some(pred), Some(succ)) = (find(a), find(b)) {
                links.push(TemplateLink {
                    pred,
                    succ,
                    kind: LinkKind::FS,
                    lag_days: 0,
                });
            }
        }
    }
    Some(TemplateBody { tasks, links })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{self, Calendar, LinkInput, Network, TaskInput};

    fn schedule_of(body: &TemplateBody) -> schedule::Schedule {
        let net = Network {
            start: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            status_date: None,
            calendar: Calendar::mon_fri(),
            tasks: body
                .tasks
                .iter()
                .map(|t| TaskInput {
                    milestone: t.milestone,
                    ..TaskInput::new(t.key, t.parent, t.duration_days)
                })
                .collect(),
            links: body
                .links
                .iter()
                .map(|l| LinkInput {
                    pred: l.pred,
                    succ: l.succ,
                    kind: l.kind,
                    lag_days: l.lag_days,
                })
                .collect(),
        };
        schedule::schedule(&net).expect("a built-in template schedules")
    }

    #[test]
    fn software_upgrade_has_three_phases_of_the_right_length() {
        let body = builtin_template("software_upgrade", false).expect("template");
        let phases: Vec<&TemplateTask> = body.tasks.iter().filter(|t| t.parent.is_none()).collect();
        assert_eq!(phases.len(), 3);
        assert_eq!(phases[0].name, "Environment preparation and prototype");
        let s = schedule_of(&body);
        let weeks = |k: i64| {
            s.get(k)
                .map(|t| t.duration_days as f64 / 5.0)
                .unwrap_or_default()
        };
        let w: Vec<f64> = phases.iter().map(|p| weeks(p.key)).collect();
        assert!((2.0..=4.0).contains(&w[0]), "{w:?}");
        assert!((6.0..=12.0).contains(&w[1]), "{w:?}");
        assert!((4.0..=8.0).contains(&w[2]), "{w:?}");
        assert!(body.tasks.iter().filter(|t| t.milestone).count() >= 3);
    }

    #[test]
    fn building_template_is_chinese_and_schedules() {
        let body = builtin_template("building", true).expect("template");
        let phases: Vec<&str> = body
            .tasks
            .iter()
            .filter(|t| t.parent.is_none())
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            phases,
            [
                "基础工程",
                "主体结构",
                "围护结构",
                "装饰装修",
                "机电安装",
                "竣工验收"
            ]
        );
        let s = schedule_of(&body);
        assert!(s.tasks.iter().any(|t| t.critical));
        assert!(builtin_template("nope", true).is_none());
    }

    #[test]
    fn project_form_reports_each_bad_field() {
        let f = ProjectForm {
            code: " ".into(),
            name: "Tower".into(),
            contract_amount: "-5".into(),
            planned_start: "2026-02-30".into(),
            status: "open".into(),
            manager_id: "99".into(),
            calendar_id: "1".into(),
            ..Default::default()
        };
        let e = f.validate(&[1], &[1]).expect_err("invalid");
        for field in [
            "code",
            "contract_amount",
            "planned_start",
            "status",
            "manager_id",
        ] {
            assert!(e.has(field), "{field}");
        }
        assert!(!e.has("name"));
    }

    #[test]
    fn task_form_makes_a_zero_day_task_a_milestone() {
        let f = TaskForm {
            name: "Handover".into(),
            duration_days: "0".into(),
            ..Default::default()
        };
        let t = f.validate(&[]).expect("valid");
        assert!(t.milestone);
        let bad = TaskForm {
            name: "x".into(),
            duration_days: "two".into(),
            weight: "1.234".into(),
            ..Default::default()
        };
        let e = bad.validate(&[]).expect_err("invalid");
        assert!(e.has("duration_days") && e.has("weight"));
    }
}
