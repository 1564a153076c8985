//! Tasks: what a valid title, description, status, priority and due date are.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FieldError, FieldErrors, Missing, TaskId, UserId, to_stored_precision};

/// Why a task's field (or a listing's parameter) was refused. The `Display` text is the
/// `message` a 422 answer shows for the field, word for word: clients may show it to
/// people, and the conformance suite checks it, so a variant's wording is part of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTaskField {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must be one of: todo, in_progress, done")]
    UnknownStatus,
    #[error("must be one of: low, medium, high")]
    UnknownPriority,
    #[error("must be an RFC 3339 date-time such as 2026-11-22T10:00:00Z")]
    NotADateTime,
    #[error("must be an integer of at least 0")]
    SkipOutOfRange,
    #[error("must be an integer from 1 to {max}")]
    LimitOutOfRange { max: i64 },
    #[error("must not contain a NUL character")]
    ContainsNul,
    #[error("must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z once in UTC")]
    DateOutOfRange,
}

/// A stored task, always owned by exactly one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub title: TaskTitle,
    pub description: Option<TaskDescription>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_date: Option<DateTime<Utc>>,
    pub owner_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// `completed` is not stored: it is derived from the status so the two can never disagree.
    pub fn completed(&self) -> bool {
        self.status == TaskStatus::Done
    }
}

/// 1 to 200 characters once surrounding whitespace is trimmed; stored trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskTitle(String);

impl TaskTitle {
    pub const MAX_LEN: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, InvalidTaskField> {
        refuse_nul(raw)?;
        let title = raw.trim();
        if title.is_empty() {
            return Err(InvalidTaskField::Empty);
        }
        if title.chars().count() > Self::MAX_LEN {
            return Err(InvalidTaskField::TooLong { max: Self::MAX_LEN });
        }
        Ok(Self(title.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text up to 5000 characters, stored verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDescription(String);

impl TaskDescription {
    pub const MAX_LEN: usize = 5000;

    pub fn parse(raw: String) -> Result<Self, InvalidTaskField> {
        refuse_nul(&raw)?;
        if raw.chars().count() > Self::MAX_LEN {
            return Err(InvalidTaskField::TooLong { max: Self::MAX_LEN });
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a task is in its life. `done` means completed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Todo,
    InProgress,
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] = [Self::Todo, Self::InProgress, Self::Done];

    pub fn parse(raw: &str) -> Result<Self, InvalidTaskField> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or(InvalidTaskField::UnknownStatus)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }

    /// The completion toggle: `done` goes back to `todo`, anything else becomes `done`.
    /// (The task repository's `toggle` does the same in SQL, in one statement.)
    pub fn toggled(self) -> Self {
        match self {
            Self::Done => Self::Todo,
            Self::Todo | Self::InProgress => Self::Done,
        }
    }
}

/// How urgent a task is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Self::Low, Self::Medium, Self::High];

    pub fn parse(raw: &str) -> Result<Self, InvalidTaskField> {
        Self::ALL
            .into_iter()
            .find(|priority| priority.as_str() == raw)
            .ok_or(InvalidTaskField::UnknownPriority)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// How many of a user's tasks have one status and priority, and how many of those are overdue.
///
/// The answer of the seam stats reads through. In phase 03 the seam is an HTTP call, and
/// this type is also its body, written by task-service and read by stats-service: one
/// definition on both ends. A status or priority the reader does not know makes the body
/// malformed (a 502 in stats-service), never a silently wrong statistic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskCount {
    pub status: TaskStatus,
    pub priority: Priority,
    pub tasks: i64,
    pub overdue: i64,
}

/// Text may hold any character but NUL: PostgreSQL cannot store it in `TEXT` (it was a
/// 500 there, and stored as sent on SQLite), so both backends refuse it alike, as a 422.
fn refuse_nul(raw: &str) -> Result<(), InvalidTaskField> {
    if raw.contains('\0') {
        return Err(InvalidTaskField::ContainsNul);
    }
    Ok(())
}

/// Due dates are RFC 3339 date-times in any offset, kept in UTC at the microsecond
/// precision the database stores, so what we answer is exactly what we stored.
///
/// Only years 0001 to 9999 in UTC: what we answer is then RFC 3339 again (four-digit
/// years; `9999-12-31T23:00:00-01:00` would come back as year 10000), and every backend,
/// PostgreSQL's `timestamptz` included, holds it, so SQLite and PostgreSQL refuse alike.
pub struct DueDate;

impl DueDate {
    pub fn parse(raw: &str) -> Result<DateTime<Utc>, InvalidTaskField> {
        let date = DateTime::parse_from_rfc3339(raw)
            .map(|date| to_stored_precision(date.with_timezone(&Utc)))
            .map_err(|_| InvalidTaskField::NotADateTime)?;
        if !(1..=9999).contains(&date.year()) {
            return Err(InvalidTaskField::DateOutOfRange);
        }
        Ok(date)
    }
}

/// A task to create, every field already valid.
#[derive(Debug)]
pub struct NewTask {
    pub title: TaskTitle,
    pub description: Option<TaskDescription>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_date: Option<DateTime<Utc>>,
}

/// A create request's fields as they arrived, before any rule is checked.
///
/// Named fields rather than five positional `Option<String>` arguments: those are easy to
/// pass in the wrong order (a description as the title), and the compiler could not tell.
#[derive(Debug, Default)]
pub struct NewTaskFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub due_date: Option<String>,
}

impl NewTask {
    /// Parses a create request; absent (or null) optional fields take their defaults.
    pub fn parse(fields: NewTaskFields) -> Result<Self, Vec<FieldError>> {
        let NewTaskFields {
            title,
            description,
            status,
            priority,
            due_date,
        } = fields;
        let mut errors = FieldErrors::default();
        let title = errors.require("title", title, |raw| TaskTitle::parse(&raw));
        let description = optional(
            &mut errors,
            "description",
            description,
            TaskDescription::parse,
        );
        let status = optional(&mut errors, "status", status, |raw| TaskStatus::parse(&raw));
        let priority = optional(&mut errors, "priority", priority, |raw| {
            Priority::parse(&raw)
        });
        let due_date = optional(&mut errors, "due_date", due_date, |raw| {
            DueDate::parse(&raw)
        });
        errors.finish(|| {
            Some(NewTask {
                title: title?,
                description: description?,
                status: status?.unwrap_or_default(),
                priority: priority?.unwrap_or_default(),
                due_date: due_date?,
            })
        })
    }
}

/// A partial update. The outer `Option` says whether a field was sent at all; for
/// `description` and `due_date` an inner `None` means an explicit `null` that clears it.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<TaskDescription>>,
    pub status: Option<TaskStatus>,
    pub priority: Option<Priority>,
    pub due_date: Option<Option<DateTime<Utc>>>,
}

/// An update request's fields as they arrived, named for the same reason as
/// [`NewTaskFields`]. The outer `Option` says whether the field was sent, the inner one
/// whether it was `null`.
#[derive(Debug, Default)]
pub struct TaskChangeFields {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub status: Option<Option<String>>,
    pub priority: Option<Option<String>>,
    pub due_date: Option<Option<String>>,
}

impl TaskChanges {
    /// Parses an update request: the same rules as creation, and `null` is refused
    /// for the fields that cannot be empty.
    pub fn parse(fields: TaskChangeFields) -> Result<Self, Vec<FieldError>> {
        let TaskChangeFields {
            title,
            description,
            status,
            priority,
            due_date,
        } = fields;
        let mut errors = FieldErrors::default();
        let title = not_null(&mut errors, "title", title, |raw| TaskTitle::parse(&raw));
        let status = not_null(&mut errors, "status", status, |raw| TaskStatus::parse(&raw));
        let priority = not_null(&mut errors, "priority", priority, |raw| {
            Priority::parse(&raw)
        });
        let description = nullable(
            &mut errors,
            "description",
            description,
            TaskDescription::parse,
        );
        let due_date = nullable(&mut errors, "due_date", due_date, |raw| {
            DueDate::parse(&raw)
        });
        errors.finish(|| {
            Some(TaskChanges {
                title: title?,
                description: description?,
                status: status?,
                priority: priority?,
                due_date: due_date?,
            })
        })
    }

    /// Only a status, as `PATCH /tasks/{id}/status` sends it.
    pub fn status(status: TaskStatus) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }
}

/// Which of the caller's tasks to list: optional filters and one page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskListQuery {
    pub status: Option<TaskStatus>,
    pub priority: Option<Priority>,
    pub skip: i64,
    pub limit: i64,
}

impl TaskListQuery {
    pub const DEFAULT_LIMIT: i64 = 20;
    pub const MAX_LIMIT: i64 = 100;

    /// Parses the query string of `GET /tasks`; every bad parameter is reported by name.
    pub fn parse(
        status: Option<String>,
        priority: Option<String>,
        skip: Option<String>,
        limit: Option<String>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let status = optional(&mut errors, "status", status, |raw| TaskStatus::parse(&raw));
        let priority = optional(&mut errors, "priority", priority, |raw| {
            Priority::parse(&raw)
        });
        let skip = optional(&mut errors, "skip", skip, |raw| {
            raw.parse::<i64>()
                .ok()
                .filter(|skip| *skip >= 0)
                .ok_or(InvalidTaskField::SkipOutOfRange)
        });
        let limit = optional(&mut errors, "limit", limit, |raw| {
            raw.parse::<i64>()
                .ok()
                .filter(|limit| (1..=Self::MAX_LIMIT).contains(limit))
                .ok_or(InvalidTaskField::LimitOutOfRange {
                    max: Self::MAX_LIMIT,
                })
        });
        errors.finish(|| {
            Some(TaskListQuery {
                status: status?,
                priority: priority?,
                skip: skip?.unwrap_or(0),
                limit: limit?.unwrap_or(Self::DEFAULT_LIMIT),
            })
        })
    }
}

/// Parses the status of `PATCH /tasks/{id}/status`.
pub fn parse_status_change(status: Option<String>) -> Result<TaskStatus, Vec<FieldError>> {
    let mut errors = FieldErrors::default();
    let status = errors.require("status", status, |raw| TaskStatus::parse(&raw));
    errors.finish(|| status)
}

// Inner `Option` = "was a value sent", outer = "did it parse"; `None` means an error was recorded.
fn optional<T>(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<String>,
    parse: impl FnOnce(String) -> Result<T, InvalidTaskField>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(raw) => errors.check(field, parse(raw)).map(Some),
    }
}

fn not_null<T>(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<Option<String>>,
    parse: impl FnOnce(String) -> Result<T, InvalidTaskField>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(None) => errors.check(field, Err::<T, _>(Missing::Null)).map(Some),
        Some(Some(raw)) => errors.check(field, parse(raw)).map(Some),
    }
}

fn nullable<T>(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<Option<String>>,
    parse: impl FnOnce(String) -> Result<T, InvalidTaskField>,
) -> Option<Option<Option<T>>> {
    match raw {
        None => Some(None),
        Some(raw) => optional(errors, field, raw, parse).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_a_nul_character_is_refused() {
        assert_eq!(TaskTitle::parse("a\0b"), Err(InvalidTaskField::ContainsNul));
        assert_eq!(
            TaskDescription::parse("a\0b".to_string()),
            Err(InvalidTaskField::ContainsNul)
        );
    }

    #[test]
    fn due_dates_outside_years_1_to_9999_in_utc_are_refused() {
        for raw in [
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
        ] {
            assert_eq!(
                DueDate::parse(raw),
                Err(InvalidTaskField::DateOutOfRange),
                "{raw}"
            );
        }
        assert_eq!(
            DueDate::parse("+99999-01-01T00:00:00Z"),
            Err(InvalidTaskField::NotADateTime)
        );
        for raw in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"] {
            assert!(DueDate::parse(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn titles_are_trimmed_and_measured_in_characters() {
        assert_eq!(
            TaskTitle::parse("  buy milk \n").unwrap().as_str(),
            "buy milk"
        );
        assert!(TaskTitle::parse("   ").is_err());
        assert!(TaskTitle::parse("").is_err());
        assert!(TaskTitle::parse(&"🦀".repeat(200)).is_ok());
        assert!(TaskTitle::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn descriptions_are_kept_verbatim_up_to_5000_characters() {
        let text = "  '; DROP TABLE tasks.tasks; -- <b>hi</b> 🎉  ".to_string();
        assert_eq!(TaskDescription::parse(text.clone()).unwrap().as_str(), text);
        assert!(TaskDescription::parse("x".repeat(5000)).is_ok());
        assert!(TaskDescription::parse("x".repeat(5001)).is_err());
    }

    #[test]
    fn statuses_and_priorities_parse_their_wire_names_only() {
        for status in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(status.as_str()), Ok(status));
        }
        for priority in Priority::ALL {
            assert_eq!(Priority::parse(priority.as_str()), Ok(priority));
        }
        assert!(TaskStatus::parse("DONE").is_err());
        assert!(TaskStatus::parse("finished").is_err());
        assert!(Priority::parse("urgent").is_err());
    }

    #[test]
    fn refusals_say_what_clients_have_always_read() {
        let messages = [
            (TaskTitle::parse(" ").unwrap_err(), "must not be empty"),
            (
                TaskTitle::parse(&"x".repeat(201)).unwrap_err(),
                "must be at most 200 characters",
            ),
            (
                TaskDescription::parse("x".repeat(5001)).unwrap_err(),
                "must be at most 5000 characters",
            ),
            (
                TaskStatus::parse("finished").unwrap_err(),
                "must be one of: todo, in_progress, done",
            ),
            (
                Priority::parse("urgent").unwrap_err(),
                "must be one of: low, medium, high",
            ),
            (
                DueDate::parse("tomorrow").unwrap_err(),
                "must be an RFC 3339 date-time such as 2026-11-22T10:00:00Z",
            ),
        ];
        for (error, message) in messages {
            assert_eq!(error.to_string(), message, "{error:?}");
        }
        let errors =
            TaskListQuery::parse(None, None, Some("-1".into()), Some("0".into())).unwrap_err();
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "must be an integer of at least 0",
                "must be an integer from 1 to 100"
            ]
        );
    }

    #[test]
    fn toggling_completes_or_reopens() {
        assert_eq!(TaskStatus::Todo.toggled(), TaskStatus::Done);
        assert_eq!(TaskStatus::InProgress.toggled(), TaskStatus::Done);
        assert_eq!(TaskStatus::Done.toggled(), TaskStatus::Todo);
    }

    #[test]
    fn due_dates_are_converted_to_utc() {
        let date = DueDate::parse("2026-11-22T12:00:00+02:00").unwrap();
        assert_eq!(date.to_rfc3339(), "2026-11-22T10:00:00+00:00");
        assert!(DueDate::parse("2026-11-22").is_err());
        let far = DueDate::parse("2999-12-31T23:59:59.123456789Z").unwrap();
        assert_eq!(far.to_rfc3339(), "2999-12-31T23:59:59.123456+00:00");
        assert!(DueDate::parse("tomorrow").is_err());
    }

    #[test]
    fn a_new_task_gets_defaults_and_reports_every_bad_field() {
        let task = NewTask::parse(NewTaskFields {
            title: Some("t".into()),
            ..NewTaskFields::default()
        })
        .unwrap();
        assert_eq!(
            (task.status, task.priority),
            (TaskStatus::Todo, Priority::Medium)
        );

        let errors = NewTask::parse(NewTaskFields {
            title: Some(" ".into()),
            description: None,
            status: Some("nope".into()),
            priority: Some("urgent".into()),
            due_date: Some("later".into()),
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "status", "priority", "due_date"]);
    }

    #[test]
    fn list_queries_default_and_check_their_ranges() {
        let query = TaskListQuery::parse(None, None, None, None).unwrap();
        assert_eq!((query.skip, query.limit), (0, 20));
        let query = TaskListQuery::parse(
            Some("done".into()),
            Some("high".into()),
            Some("40".into()),
            Some("100".into()),
        )
        .unwrap();
        assert_eq!(query.status, Some(TaskStatus::Done));
        assert_eq!(query.priority, Some(Priority::High));
        assert_eq!((query.skip, query.limit), (40, 100));

        for (skip, limit) in [
            ("-1", "20"),
            ("0", "0"),
            ("0", "101"),
            ("x", "20"),
            ("0", "1.5"),
        ] {
            assert!(
                TaskListQuery::parse(None, None, Some(skip.into()), Some(limit.into())).is_err(),
                "skip={skip} limit={limit}"
            );
        }
        let errors =
            TaskListQuery::parse(Some("bogus".into()), None, None, Some("0".into())).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "limit"]);
    }

    #[test]
    fn changes_distinguish_absent_from_null() {
        let changes = TaskChanges::parse(TaskChangeFields {
            description: Some(None),
            ..TaskChangeFields::default()
        })
        .unwrap();
        assert!(matches!(changes.description, Some(None)));
        assert!(changes.title.is_none());

        let errors = TaskChanges::parse(TaskChangeFields {
            title: Some(None),
            status: Some(None),
            ..TaskChangeFields::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "status"]);
        assert_eq!(errors[0].message, "must not be null");
    }
}
