//! The decision catalogue (重大行政决策事项目录, Decree 713 art. 3): a government's yearly list of
//! major decisions, each item with its title, responsible department, planned decision time and
//! whether a hearing is held ("决策事项、承办部门、决策时间以及是否听证"). Administrators draft it;
//! it is published once approved, the approval recorded with its document number and date.
//! Later adjustments are new versions with a reason; every version stays readable, and a
//! published version never changes. A `MAJOR_DECISION` consultation references an item of a
//! published catalogue before it can be published ([`check_reference`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::consultation::is_meaningful;
use crate::error::Violations;
use crate::names::vocabulary;
use crate::window::local_date;
use crate::{ConsultationKind, DomainError};

/// Longest title of a catalogue or an item, in characters.
pub const CATALOGUE_TITLE_MAX_CHARS: usize = 200;
/// Longest approval document number or adjustment reason, in characters.
pub const CATALOGUE_NOTE_MAX_CHARS: usize = 500;
/// Most items in one catalogue: a government's major decisions of a year are tens, not
/// thousands.
pub const CATALOGUE_MAX_ITEMS: usize = 1_000;

vocabulary! {
    /// Where a catalogue version is.
    CatalogueState {
        /// Being drafted; not public: 草稿
        Draft = "DRAFT", "草稿";
        /// Approved and public: 已公布
        Published = "PUBLISHED", "已公布";
        /// Replaced by a later published version: 已调整
        Superseded = "SUPERSEDED", "已调整";
    }
}

vocabulary! {
    /// Where a catalogue item is.
    ItemStatus {
        /// Planned, not started: 未启动
        Planned = "PLANNED", "未启动";
        /// Its consultation or other procedures are under way: 推进中
        InProgress = "IN_PROGRESS", "推进中";
        /// Decided: 已决策
        Decided = "DECIDED", "已决策";
        /// Dropped from the plan by an adjustment (kept, marked): 已调出
        Withdrawn = "WITHDRAWN", "已调出";
    }
}

/// The approval of a catalogue version: the approving document's number and date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The document number, e.g. `洪府字〔2026〕12号`.
    pub document_number: String,
    /// The date it was approved.
    pub approved_on: NaiveDate,
}

/// When an item is planned to be decided: a month of a year, as catalogues state it
/// (`2026年三季度` is written as its last month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlannedMonth {
    /// The year.
    pub year: i32,
    /// The month, 1-12.
    pub month: u32,
}

impl PlannedMonth {
    /// A month, if it is one.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self { year, month })
    }

    /// `2026年9月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

/// One item of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueItem {
    /// Its id, kept across versions.
    pub id: String,
    /// The decision's title (决策事项).
    pub title: String,
    /// The responsible department's code (承办部门).
    pub department: String,
    /// When it is planned to be decided (决策时间).
    pub planned: PlannedMonth,
    /// Whether a hearing is held (是否听证).
    pub hearing_required: bool,
    /// Where it is.
    pub status: ItemStatus,
    /// The consultation carrying it out, once there is one.
    pub consultation_id: Option<String>,
}

/// What an administrator gives for an item, before it is checked.
#[derive(Debug, Clone, Copy)]
pub struct ItemDraft<'a> {
    /// The title.
    pub title: &'a str,
    /// The responsible department's code (must be registered; the caller checks).
    pub department: &'a str,
    /// The planned year and month.
    pub planned: Option<PlannedMonth>,
    /// Whether a hearing is held.
    pub hearing_required: bool,
}

/// One version of a government's catalogue of a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Its id, shared by every version.
    pub id: String,
    /// The government it is of, e.g. `南昌市人民政府`.
    pub government: String,
    /// The year.
    pub year: i32,
    /// The title, e.g. `南昌市人民政府2026年度重大行政决策事项目录`.
    pub title: String,
    /// The version, from 1.
    pub version: u32,
    /// Draft, published or superseded.
    pub state: CatalogueState,
    /// The items, in the catalogue's order.
    pub items: Vec<CatalogueItem>,
    /// Its approval, once published.
    pub approval: Option<Approval>,
    /// Why this version adjusts the previous one (empty for version 1).
    pub adjustment_reason: String,
    /// Who drafted this version.
    pub drafted_by: String,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

fn check_text(v: &mut Violations, field: &str, label: &str, text: &str, most: usize) {
    if text.trim().is_empty() {
        v.push(field, format!("{label}不能为空 ({field} is required)"));
    } else if text.chars().count() > most {
        v.push(
            field,
            format!("{label}不能超过{most}个字符 ({field} too long)"),
        );
    }
}

impl Catalogue {
    /// Drafts version 1 of `government`'s catalogue of `year`.
    pub fn draft(
        id: String,
        government: &str,
        year: i32,
        title: &str,
        administrator: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        check_text(&mut v, "government", "政府名称", government, 100);
        check_text(
            &mut v,
            "title",
            "目录标题",
            title,
            CATALOGUE_TITLE_MAX_CHARS,
        );
        if !(2000..=2100).contains(&year) {
            v.push("year", "年度应在2000至2100之间 (year out of range)");
        }
        v.finish()?;
        Ok(Self {
            id,
            government: government.trim().to_owned(),
            year,
            title: title.trim().to_owned(),
            version: 1,
            state: CatalogueState::Draft,
            items: Vec::new(),
            approval: None,
            adjustment_reason: String::new(),
            drafted_by: administrator.to_owned(),
            published_at: None,
            updated_at: now,
        })
    }

    /// The resource name of this version.
    pub fn name(&self) -> String {
        format!("catalogues/{}/versions/{}", self.id, self.version)
    }

    fn editable(&self) -> Result<(), DomainError> {
        if self.state != CatalogueState::Draft {
            return Err(DomainError::precondition(
                "CATALOGUE_NOT_DRAFT",
                self.name(),
                format!(
                    "目录第{}版{}，不能修改；请先调整为新版本 (only a draft version changes; adjust it into a new version)",
                    self.version,
                    self.state.label()
                ),
            ));
        }
        Ok(())
    }

    fn checked_item(&self, field: &str, d: &ItemDraft<'_>) -> Result<(), DomainError> {
        let mut v = Violations::new();
        check_text(
            &mut v,
            &format!("{field}.title"),
            "决策事项",
            d.title,
            CATALOGUE_TITLE_MAX_CHARS,
        );
        check_text(
            &mut v,
            &format!("{field}.department"),
            "承办部门",
            d.department,
            64,
        );
        match d.planned {
            None => v.push(
                format!("{field}.planned"),
                "决策时间应为有效的年月 (planned must be a year and month)",
            ),
            Some(p) if p.year != self.year && p.year != self.year + 1 => v.push(
                format!("{field}.planned"),
                format!(
                    "决策时间应在{}年或{}年 (planned falls outside the catalogue's year)",
                    self.year,
                    self.year + 1
                ),
            ),
            Some(_) => {}
        }
        v.finish()
    }

    /// Adds an item to a draft.
    pub fn add_item(
        &mut self,
        id: String,
        d: ItemDraft<'_>,
        now: DateTime<Utc>,
    ) -> Result<&CatalogueItem, DomainError> {
        self.editable()?;
        self.checked_item("item", &d)?;
        if self.items.len() >= CATALOGUE_MAX_ITEMS {
            return Err(DomainError::invalid(
                "item",
                format!("目录最多{CATALOGUE_MAX_ITEMS}项 (too many items)"),
            ));
        }
        self.items.push(CatalogueItem {
            id,
            title: d.title.trim().to_owned(),
            department: d.department.trim().to_owned(),
            planned: d.planned.expect("checked"),
            hearing_required: d.hearing_required,
            status: ItemStatus::Planned,
            consultation_id: None,
        });
        self.updated_at = now;
        Ok(self.items.last().expect("just pushed"))
    }

    fn item_mut(&mut self, id: &str) -> Result<&mut CatalogueItem, DomainError> {
        let name = format!("{}/items/{id}", self.name());
        self.items
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or_else(|| DomainError::not_found(name))
    }

    /// Changes an item of a draft.
    pub fn change_item(
        &mut self,
        id: &str,
        d: ItemDraft<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.editable()?;
        self.checked_item("item", &d)?;
        let item = self.item_mut(id)?;
        item.title = d.title.trim().to_owned();
        item.department = d.department.trim().to_owned();
        item.planned = d.planned.expect("checked");
        item.hearing_required = d.hearing_required;
        self.updated_at = now;
        Ok(())
    }

    /// Removes an item from a draft: from version 1 outright; from an adjustment, an item
    /// published before is kept and marked withdrawn (已调出), so that the change shows.
    pub fn remove_item(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.editable()?;
        let first = self.version == 1;
        let item = self.item_mut(id)?;
        if item.consultation_id.is_some() {
            return Err(DomainError::precondition(
                "ITEM_HAS_CONSULTATION",
                format!("items/{id}"),
                "该事项已有征求意见事项，不能调出 (the item is carried out by a consultation)",
            ));
        }
        if first {
            self.items.retain(|i| i.id != id);
        } else {
            item.status = ItemStatus::Withdrawn;
        }
        self.updated_at = now;
        Ok(())
    }

    /// Publishes a draft once approved: at least one item, the approval's document number
    /// and a date not in the future.
    pub fn publish(&mut self, approval: Approval, now: DateTime<Utc>) -> Result<(), DomainError> {
        let mut v = Violations::new();
        check_text(
            &mut v,
            "approval.document_number",
            "批准文号",
            &approval.document_number,
            CATALOGUE_NOTE_MAX_CHARS,
        );
        if approval.approved_on > local_date(now) {
            v.push(
                "approval.approved_on",
                "批准日期不能晚于今天 (approved_on is in the future)",
            );
        }
        v.finish()?;
        self.editable()?;
        if self.items.iter().all(|i| i.status == ItemStatus::Withdrawn) {
            return Err(DomainError::precondition(
                "CATALOGUE_EMPTY",
                self.name(),
                "目录没有事项，不能公布 (a catalogue without items cannot be published)",
            ));
        }
        self.approval = Some(Approval {
            document_number: approval.document_number.trim().to_owned(),
            approved_on: approval.approved_on,
        });
        self.state = CatalogueState::Published;
        self.published_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Starts an adjustment of the published version: the next version, a draft with the same
    /// items, carrying `reason`. The published version stays as it is until the adjustment is
    /// published (then the store marks it superseded).
    pub fn adjust(
        &self,
        reason: &str,
        administrator: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        check_text(
            &mut v,
            "reason",
            "调整理由",
            reason,
            CATALOGUE_NOTE_MAX_CHARS,
        );
        if !reason.trim().is_empty() && !is_meaningful(reason) {
            v.push("reason", "请写明调整理由 (the reason must say something)");
        }
        v.finish()?;
        if self.state != CatalogueState::Published {
            return Err(DomainError::precondition(
                "CATALOGUE_NOT_PUBLISHED",
                self.name(),
                "只有已公布的目录可以调整 (only the published version can be adjusted)",
            ));
        }
        Ok(Self {
            version: self.version + 1,
            state: CatalogueState::Draft,
            approval: None,
            adjustment_reason: reason.trim().to_owned(),
            drafted_by: administrator.to_owned(),
            published_at: None,
            updated_at: now,
            ..self.clone()
        })
    }

    /// The item `id`, if this version has it.
    pub fn item(&self, id: &str) -> Option<&CatalogueItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// What a consultation's reference to a catalogue item resolves to: the item in the latest
/// published version of its catalogue, with that version.
#[derive(Debug, Clone, Copy)]
pub struct ItemReference<'a> {
    /// The catalogue version (latest published).
    pub catalogue: &'a Catalogue,
    /// The item.
    pub item: &'a CatalogueItem,
}

/// Checks a consultation's catalogue item at publication: a `MAJOR_DECISION` needs one, in a
/// published catalogue, not withdrawn, of the consultation's department; other kinds may
/// reference one under the same conditions. `given` is the item id the consultation carries,
/// `found` what it resolved to in the latest published version (`None`: no such item).
pub fn check_reference(
    consultation_name: &str,
    kind: ConsultationKind,
    department: &str,
    given: Option<&str>,
    found: Option<ItemReference<'_>>,
) -> Result<(), DomainError> {
    let Some(given) = given else {
        if kind == ConsultationKind::MajorDecision {
            return Err(DomainError::precondition(
                "CATALOGUE_ITEM_REQUIRED",
                consultation_name,
                "重大行政决策事项应当列入已公布的决策事项目录，请先关联目录事项（《重大行政决策程序暂行条例》第三条） \
                 (a major decision references an item of a published catalogue)",
            ));
        }
        return Ok(());
    };
    let Some(found) = found else {
        return Err(DomainError::precondition(
            "CATALOGUE_ITEM_UNKNOWN",
            consultation_name,
            format!(
                "目录事项{given}不在任何已公布的决策事项目录中 (the item is in no published catalogue)"
            ),
        ));
    };
    if found.item.status == ItemStatus::Withdrawn {
        return Err(DomainError::precondition(
            "CATALOGUE_ITEM_WITHDRAWN",
            consultation_name,
            format!(
                "目录事项“{}”已在第{}版调出目录 (the item was withdrawn from the catalogue)",
                found.item.title, found.catalogue.version
            ),
        ));
    }
    if found.item.department != department {
        return Err(DomainError::precondition(
            "CATALOGUE_ITEM_OF_ANOTHER_DEPARTMENT",
            consultation_name,
            format!(
                "目录事项“{}”的承办部门是{}，不是{department} (the item is another department's)",
                found.item.title, found.item.department
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
