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
use crate::{ConsultationKind, ConsultationState, DomainError};

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
    /// The version it first appeared in: removed from that version's draft it is gone;
    /// removed from a later one it stays, marked withdrawn (已调出).
    pub since_version: u32,
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
        Self::draft_with_items(
            id,
            government,
            year,
            title,
            ("items", &[]),
            String::new,
            administrator,
            now,
            Violations::new(),
        )
    }

    /// Drafts version 1 with `items` (the request field's name, and the items as
    /// [`Catalogue::replace_items`] takes them), reporting every problem at once, after those
    /// the caller found already (`found`).
    #[allow(clippy::too_many_arguments)]
    pub fn draft_with_items(
        id: String,
        government: &str,
        year: i32,
        title: &str,
        items: (&str, &[(Option<&str>, ItemDraft<'_>)]),
        new_id: impl FnMut() -> String,
        administrator: &str,
        now: DateTime<Utc>,
        found: Violations,
    ) -> Result<Self, DomainError> {
        let mut v = found;
        let id_ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            v.push(
                "catalogue_id",
                "目录标识应为1-64个小写字母、数字、- 或 _ (catalogue_id: 1-64 of a-z, 0-9, - or _)",
            );
        }
        v.require_text("catalogue.government", "政府名称", government, 100);
        v.require_text(
            "catalogue.title",
            "目录标题",
            title,
            CATALOGUE_TITLE_MAX_CHARS,
        );
        if !(2000..=2100).contains(&year) {
            v.push(
                "catalogue.year",
                "年度应在2000至2100之间 (year out of range)",
            );
        }
        let mut c = Self {
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
        };
        v.take(c.replace_items(items.0, items.1, new_id, now));
        v.finish()?;
        Ok(c)
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
        v.require_text(
            &format!("{field}.title"),
            "决策事项",
            d.title,
            CATALOGUE_TITLE_MAX_CHARS,
        );
        v.require_text(&format!("{field}.department"), "承办部门", d.department, 64);
        match d.planned {
            None => v.push(
                format!("{field}.planned_month"),
                "决策时间应为有效的年月 (planned must be a year and month)",
            ),
            Some(p) if p.year != self.year && p.year != self.year + 1 => v.push(
                format!("{field}.planned_month"),
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

    /// Checks that a request naming version `version` names this one (the draft changes only
    /// as the latest version).
    pub fn check_named_version(&self, version: Option<u32>) -> Result<(), DomainError> {
        match version {
            Some(v) if v != self.version => Err(DomainError::precondition(
                "CATALOGUE_NOT_DRAFT",
                format!("catalogues/{}/versions/{v}", self.id),
                format!(
                    "只能修改最新的草稿版本（第{}版） (only the latest, draft version changes)",
                    self.version
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Retitles a draft.
    pub fn retitle(&mut self, title: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        let mut v = Violations::new();
        v.require_text(
            "catalogue.title",
            "目录标题",
            title,
            CATALOGUE_TITLE_MAX_CHARS,
        );
        v.finish()?;
        self.editable()?;
        self.title = title.trim().to_owned();
        self.updated_at = now;
        Ok(())
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
            since_version: self.version,
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

    /// Removes an item from a draft: an item new in this version outright; an item published
    /// before is kept and marked withdrawn (已调出), so that the adjustment shows.
    pub fn remove_item(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.editable()?;
        let version = self.version;
        let item = self.item_mut(id)?;
        let first = item.since_version == version;
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

    /// Replaces the items of a draft (request field `field`) by `items`, in that order: one with the id of an item of
    /// this version changes it (a withdrawn one comes back), one without is new and takes
    /// `new_id()`; an item not listed is removed as [`Catalogue::remove_item`] removes it.
    /// Every item is checked first, each refusal naming `{field}[k]`; nothing changes unless
    /// all pass.
    pub fn replace_items(
        &mut self,
        field: &str,
        items: &[(Option<&str>, ItemDraft<'_>)],
        mut new_id: impl FnMut() -> String,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.editable()?;
        let mut v = Violations::new();
        let mut listed: Vec<&str> = Vec::new();
        for (k, (id, d)) in items.iter().enumerate() {
            v.take(self.checked_item(&format!("{field}[{k}]"), d));
            if let Some(id) = id {
                if self.item(id).is_none() {
                    v.push(
                        format!("{field}[{k}].name"),
                        format!("{id} 不是本目录的事项 (not an item of this catalogue)"),
                    );
                } else if listed.contains(id) {
                    v.push(
                        format!("{field}[{k}].name"),
                        format!("{id} 重复 (listed twice)"),
                    );
                }
                listed.push(id);
            }
        }
        if items.len() > CATALOGUE_MAX_ITEMS {
            v.push(
                "items",
                format!("目录最多{CATALOGUE_MAX_ITEMS}项 (too many items)"),
            );
        }
        v.finish()?;
        if let Some(carried) = self
            .items
            .iter()
            .find(|i| i.consultation_id.is_some() && !listed.contains(&i.id.as_str()))
        {
            return Err(DomainError::precondition(
                "ITEM_HAS_CONSULTATION",
                format!("items/{}", carried.id),
                format!(
                    "事项“{}”已有征求意见事项，不能调出 (the item is carried out by a consultation)",
                    carried.title
                ),
            ));
        }
        let mut next: Vec<CatalogueItem> = Vec::with_capacity(items.len());
        for (id, d) in items {
            let mut item = match id {
                Some(id) => {
                    let mut item = self.item(id).cloned().expect("checked");
                    if item.status == ItemStatus::Withdrawn {
                        item.status = ItemStatus::Planned;
                    }
                    item
                }
                None => CatalogueItem {
                    id: new_id(),
                    title: String::new(),
                    department: String::new(),
                    planned: d.planned.expect("checked"),
                    hearing_required: false,
                    status: ItemStatus::Planned,
                    consultation_id: None,
                    since_version: self.version,
                },
            };
            item.title = d.title.trim().to_owned();
            item.department = d.department.trim().to_owned();
            item.planned = d.planned.expect("checked");
            item.hearing_required = d.hearing_required;
            next.push(item);
        }
        for old in &self.items {
            if !listed.contains(&old.id.as_str()) && old.since_version < self.version {
                next.push(CatalogueItem {
                    status: ItemStatus::Withdrawn,
                    ..old.clone()
                });
            }
        }
        self.items = next;
        self.updated_at = now;
        Ok(())
    }

    /// Publishes a draft once approved: at least one item, the approval's document number
    /// and a date not in the future.
    pub fn publish(&mut self, approval: Approval, now: DateTime<Utc>) -> Result<(), DomainError> {
        let mut v = Violations::new();
        v.require_text(
            "approval.document_number",
            "批准文号",
            &approval.document_number,
            CATALOGUE_NOTE_MAX_CHARS,
        );
        if approval.approved_on > local_date(now) {
            v.push(
                "approval.approve_date",
                "批准日期不能晚于今天 (approve_date is in the future)",
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
        // An item withdrawn in this draft may have been taken up by a consultation since.
        if let Some(taken) = self
            .items
            .iter()
            .find(|i| i.status == ItemStatus::Withdrawn && i.consultation_id.is_some())
        {
            return Err(DomainError::precondition(
                "ITEM_HAS_CONSULTATION",
                format!("items/{}", taken.id),
                format!(
                    "事项“{}”已有征求意见事项，不能调出 (the item is carried out by a consultation)",
                    taken.title
                ),
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
        v.require_text("reason", "调整理由", reason, CATALOGUE_NOTE_MAX_CHARS);
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

    /// Sets each item's status and consultation from the published consultations carrying it
    /// out (`carried`: consultation id, the item's id, the consultation's state): the furthest
    /// one decides — decided once one is decided, in progress while one is under way; a
    /// withdrawn consultation carries nothing, and a withdrawn item stays withdrawn.
    pub fn follow(&mut self, carried: &[(String, String, ConsultationState)]) {
        for item in &mut self.items {
            let furthest = carried
                .iter()
                .filter(|(_, i, state)| *i == item.id && *state != ConsultationState::Withdrawn)
                .max_by_key(|(id, _, state)| (is_decided(*state), id.clone()));
            item.consultation_id = furthest.map(|(id, _, _)| id.clone());
            if item.status == ItemStatus::Withdrawn {
                continue;
            }
            item.status = match furthest {
                Some((_, _, state)) if is_decided(*state) => ItemStatus::Decided,
                Some(_) => ItemStatus::InProgress,
                None => ItemStatus::Planned,
            };
        }
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

impl ItemReference<'_> {
    /// The item as the public reads it: `{catalogue title}（第{version}版）：{item title}`.
    pub fn label(&self) -> String {
        format!(
            "{}（第{}版）：{}",
            self.catalogue.title, self.catalogue.version, self.item.title
        )
    }
}

/// Publishes `consultation` (see [`crate::Consultation::publish`]) carrying out the catalogue
/// item it names, `found` as the latest published catalogue has it: the item is checked
/// first ([`check_reference`]) and its label kept for the report.
pub fn publish_carrying(
    consultation: &mut crate::Consultation,
    found: Option<ItemReference<'_>>,
    now: DateTime<Utc>,
    calendar: &crate::Calendar,
) -> Result<(), DomainError> {
    let named = crate::consultation::catalogue_item_of(&consultation.catalogue_item)
        .map(|_| consultation.catalogue_item.clone());
    check_reference(
        &format!("consultations/{}", consultation.id),
        consultation.kind,
        &consultation.department,
        named.as_deref(),
        found,
    )?;
    consultation.publish(now, calendar)?;
    consultation.catalogue_item_label = found.map(|f| f.label()).unwrap_or_default();
    Ok(())
}

/// Whether a consultation in `state` has its decision.
fn is_decided(state: ConsultationState) -> bool {
    matches!(
        state,
        ConsultationState::Decided | ConsultationState::FeedbackPublished
    )
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
