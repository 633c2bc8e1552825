//! The command line: every officer task as a subcommand, each with an example in its help.
//! Parsing only; `commands` carries them out.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
连接设置依次取自命令行参数、环境变量（CONSULT_SERVER、CONSULT_TOKEN、CONSULT_CA_CERT）和配置文件
~/.config/consult/consultctl.toml（server = \"…\"、token = \"…\"、ca_cert = \"…\"）。
时间均按北京时间显示；--output json 输出 UTF-8 JSON，时间为 UTC（RFC 3339）。

退出码：0 成功；1 其他错误；2 用法或输入有误；3 未找到；4 被业务规则拒绝；5 无权限或未认证；6 无法连接服务器。";

/// consultctl — 公开征求意见服务的工作人员客户端 (officers' client of consultd)
#[derive(Debug, Parser)]
#[command(name = "consultctl", version, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// 服务地址 (server address), e.g. http://127.0.0.1:50051 or https://consult.example.gov.cn
    #[arg(long, env = "CONSULT_SERVER", global = true)]
    pub(crate) server: Option<String>,
    /// 身份令牌 (bearer token)
    #[arg(long, env = "CONSULT_TOKEN", global = true, hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// 用于验证服务器证书的 CA 证书文件 (PEM), for https servers with a private CA
    #[arg(long, env = "CONSULT_CA_CERT", global = true)]
    pub(crate) ca_cert: Option<PathBuf>,
    /// 配置文件 (settings file); default ~/.config/consult/consultctl.toml
    #[arg(long, env = "CONSULT_CTL_CONFIG", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// 输出格式 (output format)
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub(crate) output: OutputFormat,
    /// 颜色 (colours): auto uses them only on a terminal and without NO_COLOR
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned tables for people.
    Table,
    /// JSON for scripts.
    Json,
}

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal only.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// 显示当前身份 (who the server takes you to be)
    #[command(after_help = "示例：\n  consultctl whoami")]
    Whoami,
    /// 征求意见事项 (consultations)
    #[command(subcommand, visible_alias = "c")]
    Consultation(ConsultationCommand),
    /// 意见 (comments)
    #[command(subcommand)]
    Comment(CommentCommand),
    /// 较为集中的意见 (concentrated opinions)
    #[command(subcommand)]
    Group(GroupCommand),
    /// 建议的集中意见：相似意见自动归类，由工作人员采用、拆分或忽略 (suggested concentrated opinions)
    #[command(subcommand)]
    Suggestion(SuggestionCommand),
    /// 答复意见 (answers)
    #[command(subcommand)]
    Answer(AnswerCommand),
    /// 上会前置条件 (the deliberation gate)
    #[command(subcommand)]
    Gate(GateCommand),
    /// 听证会：公告、参加人、材料送达、笔录确认、听证意见 (hearings)
    #[command(subcommand)]
    Hearing(HearingCommand),
    /// 座谈会、实地走访、专家论证和决策会议列席 (meetings)
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// 决策文件 (the decision)
    #[command(subcommand)]
    Decision(DecisionCommand),
    /// 意见采纳情况反馈 (feedback reports)
    #[command(subcommand)]
    Report(ReportCommand),
    /// 部门名录（管理员登记、改名、停用）(the registry of departments)
    #[command(subcommand)]
    Department(DepartmentCommand),
    /// 调用系统（管理员登记、绑定渠道、签发令牌、停用）(the register of calling systems)
    #[command(subcommand, name = "calling-system")]
    CallingSystem(CallingSystemCommand),
    /// 重大行政决策事项目录（管理员编制、公布、调整）(the decision catalogue)
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// 社会公众代表库：本部门可邀请列席决策会议的代表 (the register of public representatives)
    #[command(subcommand)]
    Representative(RepresentativeCommand),
    /// 国务院节假日安排：载入新一年度，查看已知年度 (the holiday calendar)
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// 答复模板：本部门常用的答复理由，答复时按名称使用 (answer templates)
    #[command(subcommand)]
    Template(TemplateCommand),
    /// 列出反馈即将到期或已逾期的事项 (feedback due or overdue)
    #[command(after_help = "示例：\n  consultctl due --within 14")]
    Due(DueArgs),
    /// 生成命令补全脚本 (shell completions)
    #[command(
        after_help = "示例：\n  consultctl completions bash > /etc/bash_completion.d/consultctl"
    )]
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TemplateCommand {
    /// 列出部门的答复模板 (list a department's templates)
    #[command(after_help = "示例：\n  consultctl template list fgw")]
    List { department: String },
    /// 查看一个答复模板 (show one)
    #[command(after_help = "示例：\n  consultctl template show fgw 上位法")]
    Show { department: String, name: String },
    /// 新建答复模板 (create)
    #[command(
        after_help = "示例：\n  consultctl template create fgw 上位法 --outcome 未采纳 --reason \"与上位法规定不一致，无法采纳\"\n  \
consultctl template create fgw 范围外 --outcome 不属于征求意见范围 --reason \"该意见不属于本次征求意见范围，已转有关部门研究\"\n\n\
名称由文字、数字、- 和 _ 组成，最多40个字符。之后答复时用 --template 名称，或在答复文件的“模板”列填写名称。"
    )]
    Create {
        department: String,
        /// 模板名称，如 上位法 (the short name)
        name: String,
        #[command(flatten)]
        answer: TemplateAnswerArgs,
        /// 用途说明（内部）(what it is for)
        #[arg(long, default_value = "")]
        description: String,
    },
    /// 修改答复模板；已给出的答复不变 (change; answers given stay as they are)
    #[command(
        after_help = "示例：\n  consultctl template update fgw 上位法 --reason \"与《某某条例》第十条规定不一致\" --outcome 未采纳\n  \
consultctl template update fgw 上位法 --description \"用于与上位法冲突的意见\""
    )]
    Update {
        department: String,
        name: String,
        /// 采纳情况（修改答复时须与 --reason 一同给出）(outcome)
        #[arg(long)]
        outcome: Option<String>,
        /// 理由 (reason)
        #[arg(long)]
        reason: Option<String>,
        /// 采纳内容 (what was adopted)
        #[arg(long)]
        adopted: Option<String>,
        /// 用途说明 (what it is for)
        #[arg(long)]
        description: Option<String>,
    },
    /// 删除答复模板；已给出的答复不变 (delete; answers given stay as they are)
    #[command(after_help = "示例：\n  consultctl template delete fgw 上位法")]
    Delete { department: String, name: String },
}

/// The answer a template gives.
#[derive(Debug, Args)]
pub(crate) struct TemplateAnswerArgs {
    /// 采纳情况 (outcome): 采纳/adopted, 部分采纳/partially_adopted, 未采纳/not_adopted, 不属于征求意见范围/out_of_scope
    #[arg(long)]
    pub(crate) outcome: String,
    /// 理由 (reason)
    #[arg(long, default_value = "")]
    pub(crate) reason: String,
    /// 采纳内容 (what was adopted)
    #[arg(long, default_value = "")]
    pub(crate) adopted: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogueCommand {
    /// 列出已公布的目录 (list published catalogues)
    #[command(
        after_help = "示例：\n  consultctl catalogue list --year 2026\n  consultctl catalogue list --drafts"
    )]
    List {
        /// 年度 (year)
        #[arg(long)]
        year: Option<i32>,
        /// 含草稿（管理员、审计员）(include drafts; administrators and auditors)
        #[arg(long)]
        drafts: bool,
    },
    /// 查看一个目录的事项 (show one catalogue and its items)
    #[command(
        after_help = "示例：\n  consultctl catalogue show nc-2026\n  consultctl catalogue show nc-2026 --version 1"
    )]
    Show {
        /// 目录标识 (catalogue id)
        id: String,
        /// 版本（默认：最新公布的版本）(a version; default the latest published)
        #[arg(long)]
        version: Option<u32>,
    },
    /// 列出目录的各个版本 (every version)
    #[command(after_help = "示例：\n  consultctl catalogue versions nc-2026")]
    Versions { id: String },
    /// 编制目录（系统管理员）(draft a new catalogue; administrators)
    #[command(
        after_help = "示例：\n  consultctl catalogue create nc-2026 --government 南昌市人民政府 --year 2026 --title 南昌市人民政府2026年度重大行政决策事项目录"
    )]
    Create {
        /// 目录标识：小写字母、数字、- 或 _ (catalogue id)
        id: String,
        /// 政府名称 (government)
        #[arg(long)]
        government: String,
        /// 年度 (year)
        #[arg(long)]
        year: i32,
        /// 目录标题 (title)
        #[arg(long)]
        title: String,
    },
    /// 在草稿中增加决策事项（系统管理员）(add an item to the draft; administrators)
    #[command(
        after_help = "示例：\n  consultctl catalogue add-item nc-2026 --title 南昌市养犬管理规定 --department gaj --month 2026-09 --hearing"
    )]
    AddItem {
        id: String,
        /// 决策事项 (the decision)
        #[arg(long)]
        title: String,
        /// 承办部门代码 (responsible department)
        #[arg(long)]
        department: String,
        /// 决策时间，YYYY-MM (planned month)
        #[arg(long)]
        month: String,
        /// 需要听证 (a hearing is held)
        #[arg(long)]
        hearing: bool,
    },
    /// 从草稿中移出决策事项；已公布过的事项标为“已调出”（系统管理员）(remove an item; administrators)
    #[command(after_help = "示例：\n  consultctl catalogue remove-item nc-2026 01jd9x…")]
    RemoveItem {
        id: String,
        /// 事项标识（catalogue show 所列）(the item's id)
        item: String,
    },
    /// 经批准后公布草稿（系统管理员）(publish the draft once approved; administrators)
    #[command(
        after_help = "示例：\n  consultctl catalogue publish nc-2026 --number 洪府字〔2026〕12号 --date 2026-02-27"
    )]
    Publish {
        id: String,
        /// 批准文号 (the approving document's number)
        #[arg(long)]
        number: String,
        /// 批准日期，YYYY-MM-DD (approval date)
        #[arg(long)]
        date: String,
    },
    /// 调整已公布的目录：生成新版本草稿（系统管理员）(start an adjustment; administrators)
    #[command(
        after_help = "示例：\n  consultctl catalogue adjust nc-2026 --reason 根据市政府常务会议决定调整"
    )]
    Adjust {
        id: String,
        /// 调整理由 (why)
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RepresentativeCommand {
    /// 列出部门的代表库（本部门工作人员可见姓名和联系方式，其他人只见各类别人数）(list)
    #[command(after_help = "示例：\n  consultctl representative list fgw")]
    List { department: String },
    /// 登记代表 (register one)
    #[command(
        after_help = "示例：\n  consultctl representative add fgw r1 --category 企业 --name 赵经理 --contact 13800138000\n  \
consultctl representative add fgw r2 --category 人大代表/政协委员 --name 孙代表"
    )]
    Add {
        department: String,
        /// 代表标识，如 r1 (the representative's id)
        id: String,
        /// 类别 (category), e.g. enterprise, expert, deputy, media, citizen, 企业
        #[arg(long)]
        category: String,
        /// 姓名 (name; private)
        #[arg(long)]
        name: String,
        /// 联系方式 (contact; private)
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// 停用代表（不再邀请，记录保留）(no longer invited; kept)
    #[command(after_help = "示例：\n  consultctl representative deactivate fgw r1")]
    Deactivate { department: String, id: String },
    /// 恢复代表 (invitable again)
    #[command(after_help = "示例：\n  consultctl representative activate fgw r1")]
    Activate { department: String, id: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CalendarCommand {
    /// 列出已知年度 (the years the calendar knows)
    #[command(after_help = "示例：\n  consultctl calendar list")]
    List,
    /// 载入或更正一年的国务院节假日安排（系统管理员）(load a year's notice; administrators)
    #[command(
        after_help = "示例：\n  consultctl calendar load 2027.json --dry-run\n  consultctl calendar load 2027.json\n\n\
文件为 holiday-cn 格式：{\"year\": 2027, \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": true}, …]}。\
载入前落在该年度的反馈截止日按周末推算并标为暂定，载入后确定。"
    )]
    Load {
        /// 节假日安排文件（JSON）(the notice file)
        file: std::path::PathBuf,
        /// 只检查，不载入 (check only)
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DepartmentCommand {
    /// 列出已登记的部门 (list)
    #[command(after_help = "示例：\n  consultctl department list")]
    List,
    /// 查看一个部门 (show one)
    #[command(after_help = "示例：\n  consultctl department show fgw")]
    Show { code: String },
    /// 登记部门（系统管理员）(register; administrators)
    #[command(
        after_help = "示例：\n  consultctl department create fgw --name 南昌市发展和改革委员会 --government 南昌市人民政府"
    )]
    Create {
        /// 部门代码，与事项和工作人员所用一致 (the code consultations carry)
        code: String,
        /// 部门全称 (full name, as the public reads it)
        #[arg(long)]
        name: String,
        /// 所属政府 (the government it belongs to)
        #[arg(long, default_value = "")]
        government: String,
    },
    /// 修改部门全称或所属政府（系统管理员）(rename; administrators)
    #[command(after_help = "示例：\n  consultctl department update fgw --name 南昌市发展改革委")]
    Update {
        code: String,
        /// 新的部门全称 (new full name)
        #[arg(long)]
        name: Option<String>,
        /// 新的所属政府 (new government)
        #[arg(long)]
        government: Option<String>,
    },
    /// 设置或删除一个渠道的参与方式说明，显示在该部门每个公开征求意见的事项页面（系统管理员）
    /// (set or remove how the public uses one channel; administrators)
    #[command(
        after_help = "示例：\n  consultctl department guide fgw --channel email --address yjzj@nc.gov.cn\n  \
consultctl department guide fgw --channel letter --address 南昌市红谷滩区卧龙路999号 --note 请在信封上注明“意见征集”\n  \
consultctl department guide fgw --channel portal --address https://www.nc.gov.cn/hdjl/\n  \
consultctl department guide fgw --channel letter --remove"
    )]
    Guide {
        code: String,
        /// 渠道 (channel), e.g. portal, wechat, hotline_12345, email, letter, 信函
        #[arg(long)]
        channel: String,
        /// 地址：网址、电子邮箱、电话号码或通信地址 (address)
        #[arg(long, required_unless_present = "remove")]
        address: Option<String>,
        /// 注意事项 (note)
        #[arg(long, default_value = "")]
        note: String,
        /// 删除该渠道的说明 (remove the channel's guide)
        #[arg(long, conflicts_with = "address")]
        remove: bool,
    },
    /// 停用部门：不能再发起新的征求意见，已发起的照常进行（系统管理员）(disable; administrators)
    #[command(after_help = "示例：\n  consultctl department disable fgw")]
    Disable { code: String },
    /// 重新启用部门（系统管理员）(enable again; administrators)
    #[command(after_help = "示例：\n  consultctl department enable fgw")]
    Enable { code: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CallingSystemCommand {
    /// 列出调用系统：登记的和配置文件中的（管理员、审计人员）(list: the register's and the configuration file's)
    #[command(after_help = "示例：\n  consultctl calling-system list")]
    List,
    /// 查看一个调用系统 (show one)
    #[command(after_help = "示例：\n  consultctl calling-system show hotline-12345")]
    Show { id: String },
    /// 登记调用系统；不给 --token-sha256 和 --certificate-cn 时由服务签发令牌，只显示这一次
    /// (register; without a token digest or certificate the service issues a token, shown once)
    #[command(
        after_help = "示例：\n  consultctl calling-system add hotline-12345 --name 12345政务服务便民热线 --channel hotline_12345\n  \
consultctl calling-system add county-portal --name 县政府门户网站 --channel portal --channel wechat\n  \
consultctl calling-system add gateway --name 政务服务网关 --channel portal --certificate-cn gateway.example.gov.cn\n  \
consultctl calling-system add mp --name 小程序 --channel wechat --token-sha256 $(consultd hash-token \"$TOKEN\")"
    )]
    Add {
        /// 标识，记入审计日志 (id, recorded as the actor)
        id: String,
        /// 名称 (display name)
        #[arg(long)]
        name: String,
        /// 绑定的渠道，可重复 (a bound channel; repeatable), e.g. portal, wechat, hotline_12345
        #[arg(long = "channel", required = true)]
        channels: Vec<String>,
        /// 已有令牌的 SHA-256（consultd hash-token）(the SHA-256 of a token the system holds)
        #[arg(long, conflicts_with = "certificate_cn")]
        token_sha256: Option<String>,
        /// 客户端证书的通用名（需双向TLS）(the common name of its client certificate)
        #[arg(long)]
        certificate_cn: Option<String>,
    },
    /// 修改名称或绑定的渠道（系统管理员）(rename or rebind; administrators)
    #[command(
        after_help = "示例：\n  consultctl calling-system update hotline-12345 --name 12345热线\n  consultctl calling-system update county-portal --channel portal"
    )]
    Update {
        id: String,
        /// 新名称 (new display name)
        #[arg(long)]
        name: Option<String>,
        /// 新的渠道，替换全部，可重复 (new channels, replacing all; repeatable)
        #[arg(long = "channel")]
        channels: Vec<String>,
    },
    /// 停用：其令牌或证书在所有副本上立即失效（系统管理员）(disable at once on every replica)
    #[command(after_help = "示例：\n  consultctl calling-system disable county-portal")]
    Disable { id: String },
    /// 重新启用（系统管理员）(enable again)
    #[command(after_help = "示例：\n  consultctl calling-system enable county-portal")]
    Enable { id: String },
    /// 签发新令牌，只显示这一次；旧令牌立即失效（系统管理员）(issue a new token; the old one stops at once)
    #[command(after_help = "示例：\n  consultctl calling-system issue-token county-portal")]
    IssueToken { id: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConsultationCommand {
    /// 列出事项 (list)
    #[command(
        after_help = "示例：\n  consultctl consultation list --state open\n  consultctl consultation list --all -o json"
    )]
    List(ListConsultationsArgs),
    /// 查看事项 (show one)
    #[command(after_help = "示例：\n  consultctl consultation show 01JD…")]
    Show { consultation: String },
    /// 从 TOML 或 JSON 文件创建草稿 (create a draft from a file)
    #[command(
        after_help = "示例：\n  consultctl consultation create --file 民营经济.toml\n\n\
文件内容示例（TOML）：\n  title = \"关于促进民营经济发展的若干措施（征求意见稿）\"\n  kind = \"enterprise_policy\"      # 或 涉企政策\n  \
draft_file = \"草案.txt\"         # 或 draft_text = \"……\"\n  basis = \"《优化营商环境条例》第六十二条\"\n  \
explanation_file = \"起草说明.txt\"\n  channels = [\"portal\", \"letter\"]\n  # opens_at = \"2026-12-01 09:00\"、closes_at = \"2027-01-05\"、shortened_reason = \"……\""
    )]
    Create {
        /// 事项文件 (.toml or .json); file paths inside are relative to it
        #[arg(long, short)]
        file: PathBuf,
    },
    /// 修改草稿：只改文件里给出的字段 (edit a draft: only the fields in the file)
    #[command(after_help = "示例：\n  consultctl consultation update 01JD… --file 修改.toml")]
    Update {
        consultation: String,
        #[arg(long, short)]
        file: PathBuf,
    },
    /// 发布草稿 (publish a draft)
    #[command(after_help = "示例：\n  consultctl consultation publish 01JD…")]
    Publish { consultation: String },
    /// 延长征求意见期 (extend the window)
    #[command(
        after_help = "示例：\n  consultctl consultation extend 01JD… --until 2027-01-20 --reason \"应企业要求延长\"\n\
只写日期时截止于该日 24:00（北京时间）。"
    )]
    Extend {
        consultation: String,
        /// 新的截止时间 (new end, Beijing time): YYYY-MM-DD or \"YYYY-MM-DD HH:MM\"
        #[arg(long)]
        until: String,
        /// 延期理由（公开）(reason, published)
        #[arg(long)]
        reason: String,
    },
    /// 截止征求意见 (formally close the window)
    #[command(after_help = "示例：\n  consultctl consultation close 01JD…")]
    Close { consultation: String },
    /// 撤回事项 (withdraw)
    #[command(
        after_help = "示例：\n  consultctl consultation withdraw 01JD… --reason \"决策事项调整\""
    )]
    Withdraw {
        consultation: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ListConsultationsArgs {
    /// 状态 (state): draft, scheduled, open, closed, ready_for_deliberation, decided, feedback_published, withdrawn
    #[arg(long)]
    pub(crate) state: Option<String>,
    /// 类型 (kind): major_decision, rule, normative_document, enterprise_policy, plan
    #[arg(long)]
    pub(crate) kind: Option<String>,
    /// 部门代码 (department)
    #[arg(long)]
    pub(crate) department: Option<String>,
    #[command(flatten)]
    pub(crate) paging: Paging,
}

#[derive(Debug, Args)]
pub(crate) struct Paging {
    /// 最多显示条数 (at most this many)
    #[arg(long, default_value_t = 50)]
    pub(crate) limit: usize,
    /// 显示全部 (every page)
    #[arg(long, conflicts_with = "limit")]
    pub(crate) all: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CommentCommand {
    /// 列出意见 (list, with filters)
    #[command(
        after_help = "示例：\n  consultctl comment list 01JD… --status unanswered --channel hotline_12345\n  \
consultctl comment list 01JD… --clause 5 --all\n  \
consultctl comment list 01JD… --search \"延长过渡期 票价\" --status unanswered\n\n\
--clause 的 5、第5条、第五条 指同一条；--search 的每个词（空格分隔）都须出现在意见中，\
一两个字的词逐条查找，较慢。"
    )]
    List(ListCommentsArgs),
    /// 从 CSV 文件录入线下收到的意见（信函、座谈会、听证会、纸质）：先逐行检查，全部无误才写入
    /// (enter offline comments from a CSV file)
    #[command(
        after_help = "示例：\n  consultctl comment import 01JD… 来信.csv --channel letter --dry-run\n  \
consultctl comment import 01JD… 来信.csv --channel letter\n\n\
文件需有表头，列名（中英文均可）：意见内容/content（必填）、渠道/channel（或用 --channel）、\
类别/category（默认公众）、姓名/name、单位/organization、联系方式/contact、条款/clause、\
邮戳日期/postmarked（YYYY-MM-DD，信函按邮戳计算是否在期限内）、同意公开姓名/consent（是/否）。\
有问题的行全部列出且不写入；重复导入同一文件不会重复录入。"
    )]
    Import {
        consultation: String,
        file: PathBuf,
        /// 没有“渠道”列时的渠道，如 letter、symposium、hearing (channel of rows without one)
        #[arg(long)]
        channel: Option<String>,
        /// 只检查，不写入 (check every row, write nothing)
        #[arg(long)]
        dry_run: bool,
        /// 文件编码 (file encoding)
        #[arg(long, value_enum, default_value_t = Encoding::Auto)]
        encoding: Encoding,
    },
    /// 录入一条线下收到的意见 (enter one offline comment: a letter, a symposium opinion…)
    #[command(
        after_help = "示例：\n  consultctl comment enter 01JD… --channel letter --name 张三 --postmark 2026-03-05 \\\n    \
--content \"建议增加社区绿地\" --clause 第一条\n  \
consultctl comment enter 01JD… --channel symposium --category enterprise --organization 某某公司 --content \"……\"\n\n\
与 comment import 的一行相同；信函须填邮戳日期。"
    )]
    Enter {
        consultation: String,
        /// 渠道 (channel), e.g. letter, symposium, hearing, field_visit
        #[arg(long)]
        channel: String,
        /// 意见内容 (the comment's text)
        #[arg(long)]
        content: String,
        /// 提出者类别 (category), default citizen
        #[arg(long)]
        category: Option<String>,
        /// 姓名 (name)
        #[arg(long, default_value = "")]
        name: String,
        /// 单位 (organization)
        #[arg(long, default_value = "")]
        organization: String,
        /// 联系方式 (contact)
        #[arg(long, default_value = "")]
        contact: String,
        /// 条款 (clause), e.g. 第五条
        #[arg(long, default_value = "")]
        clause: String,
        /// 邮戳日期 YYYY-MM-DD（信函必填）(postmark date, letters)
        #[arg(long)]
        postmark: Option<String>,
        /// 同意公开姓名 (the submitter consents to publishing the name)
        #[arg(long)]
        consent: bool,
        /// 幂等键：重试时使用同一个值不会重复录入 (idempotency key; a retry with it stores once)
        #[arg(long)]
        request_id: Option<String>,
    },
    /// 按条款统计意见：草案各条、草案没有的条款、其他引用 (comments per clause of the draft)
    #[command(
        after_help = "示例：\n  consultctl comment clauses 01JD…\n  consultctl comment list 01JD… --clause 5\n\n\
5、第5条、第五条、第 五 条 视为同一条；标有“草案无此条”的是意见所引而草案没有的条款。"
    )]
    Clauses { consultation: String },
    /// 查看一条意见（含提出者信息）(show one, with private fields)
    #[command(after_help = "示例：\n  consultctl comment show 01JD… 01JE…")]
    Show {
        consultation: String,
        comment: String,
    },
    /// 屏蔽意见 (hide a comment)
    #[command(
        after_help = "示例：\n  consultctl comment hide 01JD… 01JE… --reason abuse --note \"含辱骂内容\"\n\
原因：spam 垃圾信息、abuse 辱骂攻击、unlawful 违法违规内容、privacy_exposure 泄露他人隐私"
    )]
    Hide {
        consultation: String,
        comment: String,
        /// 原因 (reason category)
        #[arg(long)]
        reason: String,
        /// 内部备注 (internal note)
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 批量屏蔽：列出的意见，或按条件（如含某段广告文字）选出的意见；已归并的意见不屏蔽 (hide many)
    #[command(
        after_help = "示例：\n  consultctl comment bulk-hide 01JD… --search \"代开发票 加微信\" --reason spam --dry-run\n  \
consultctl comment bulk-hide 01JD… --search \"代开发票 加微信\" --reason spam --note \"广告\"\n  \
consultctl comment bulk-hide 01JD… 01JE… 01JF… --reason abuse\n\n\
给出意见编号时只屏蔽这些意见，其中任何一条不能屏蔽则全部不屏蔽；否则按条件选择，至少给出一个条件。\n\
已屏蔽的意见保留原因；集中意见的成员不屏蔽（先移出该组）。--dry-run 只统计并列出其中几条，不写入。\n\
原因：spam 垃圾信息、abuse 辱骂攻击、unlawful 违法违规内容、privacy_exposure 泄露他人隐私"
    )]
    BulkHide {
        consultation: String,
        /// 意见编号 (comments to hide; none: choose by the filter)
        comments: Vec<String>,
        /// 检索意见内容，空格分隔的每个词都须出现 (every word must appear in the text)
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// 条款，如 第九条 或 9 (clause)
        #[arg(long)]
        clause: Option<String>,
        /// 原因 (reason category)
        #[arg(long)]
        reason: String,
        /// 内部备注 (internal note)
        #[arg(long, default_value = "")]
        note: String,
        /// 只统计、列出样例，不写入 (count and show a sample; write nothing)
        #[arg(long)]
        dry_run: bool,
    },
    /// 取消屏蔽 (show a hidden comment again)
    #[command(after_help = "示例：\n  consultctl comment unhide 01JD… 01JE…")]
    Unhide {
        consultation: String,
        comment: String,
    },
    /// 隐去意见中的部分内容，公开时显示为“[已隐去]”，原文不变 (redact spans from publication)
    #[command(
        after_help = "示例：\n  consultctl comment redact 01JD… 01JE… --text 赵大勇 --reason third_party_privacy\n  \
consultctl comment redact 01JD… 01JE… --span 12..20 --reason trade_secret\n  \
consultctl comment redact 01JD… 01JE… --clear\n\
--text 隐去原文中每一处该文字；--span 按字符位置（从0起，不含终点）。新的范围与已有范围合并；--replace 改为只保留本次的范围。\n\
反馈公开后只能增加隐去范围。\n\
原因：personal_information 个人信息、third_party_privacy 他人隐私、trade_secret 商业秘密、defamation 侮辱诽谤内容、other 其他依法不予公开的内容"
    )]
    Redact {
        consultation: String,
        comment: String,
        /// 要隐去的原文（可多次给出）(text to redact wherever it occurs; repeatable)
        #[arg(long)]
        text: Vec<String>,
        /// 要隐去的字符范围 START..END (character span; repeatable)
        #[arg(long)]
        span: Vec<String>,
        /// 原因 (reason category)
        #[arg(long, required_unless_present = "clear")]
        reason: Option<String>,
        /// 只保留本次给出的范围 (replace the spans set before instead of adding)
        #[arg(long)]
        replace: bool,
        /// 取消全部隐去（反馈公开前）(lift every redaction)
        #[arg(long, conflicts_with_all = ["text", "span", "replace"])]
        clear: bool,
    },
    /// 答复的修订记录 (revisions of an answer; a comment id or g:group id)
    #[command(
        after_help = "示例：\n  consultctl comment revisions 01JD… 01JE…\n  consultctl comment revisions 01JD… g:01JF…"
    )]
    Revisions {
        consultation: String,
        subject: String,
    },
    /// 导出意见为 CSV 或 JSON（CSV 可填写采纳情况后用 answer csv 导入）(export)
    #[command(
        after_help = "示例：\n  consultctl comment export 01JD… --format csv --out 意见.csv\n  \
consultctl comment export 01JD… --status unanswered --format csv --out 待答复.csv"
    )]
    Export(ExportCommentsArgs),
}

#[derive(Debug, Args, Clone)]
pub(crate) struct CommentFilterArgs {
    /// 渠道 (channel), e.g. portal, wechat, hotline_12345, letter, 政府网站
    #[arg(long)]
    pub(crate) channel: Option<String>,
    /// 提出者类别 (submitter category), e.g. citizen, enterprise, 企业
    #[arg(long)]
    pub(crate) category: Option<String>,
    /// 条款 (clause), e.g. 第五条 or 5
    #[arg(long)]
    pub(crate) clause: Option<String>,
    /// 检索意见内容，空格分隔的每个词都须出现 (search the text: every word must appear)
    #[arg(long, value_name = "TEXT")]
    pub(crate) search: Option<String>,
    /// 办理状态 (status): visible, hidden, answered, unanswered, grouped
    #[arg(long)]
    pub(crate) status: Option<String>,
    /// 集中意见编号 (members of this opinion group)
    #[arg(long)]
    pub(crate) group: Option<String>,
    /// 建议编号，列出其成员 (members of this suggestion)
    #[arg(long)]
    pub(crate) suggestion: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListCommentsArgs {
    pub(crate) consultation: String,
    #[command(flatten)]
    pub(crate) filter: CommentFilterArgs,
    #[command(flatten)]
    pub(crate) paging: Paging,
}

#[derive(Debug, Args)]
pub(crate) struct ExportCommentsArgs {
    pub(crate) consultation: String,
    #[command(flatten)]
    pub(crate) filter: CommentFilterArgs,
    /// 文件格式 (file format)
    #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
    pub(crate) format: FileFormat,
    /// 输出文件；省略时写到标准输出 (output file; stdout if omitted)
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// 包含提出者姓名、单位和联系方式（仅供内部办理）(include private fields)
    #[arg(long)]
    pub(crate) with_private: bool,
}

/// A file format for exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FileFormat {
    /// UTF-8 with BOM, opens in spreadsheet programs.
    Csv,
    /// UTF-8 JSON.
    Json,
    /// A printable page (reports only).
    Html,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GroupCommand {
    /// 列出集中意见 (list)
    #[command(after_help = "示例：\n  consultctl group list 01JD…")]
    List {
        consultation: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// 查看集中意见 (show one)
    #[command(after_help = "示例：\n  consultctl group show 01JD… 01JF…")]
    Show { consultation: String, group: String },
    /// 将意见归并为集中意见 (form a group of at least two comments)
    #[command(
        after_help = "示例：\n  consultctl group create 01JD… --summary \"建议延长过渡期\" 01JE1… 01JE2… 01JE3…"
    )]
    Create {
        consultation: String,
        /// 意见概括（公开）(summary, published)
        #[arg(long)]
        summary: String,
        /// 意见编号 (comment ids)
        #[arg(required = true, num_args = 2..)]
        comments: Vec<String>,
    },
    /// 加入意见 (add comments)
    #[command(after_help = "示例：\n  consultctl group add 01JD… 01JF… 01JE4… 01JE5…")]
    Add {
        consultation: String,
        group: String,
        #[arg(required = true)]
        comments: Vec<String>,
    },
    /// 移出意见 (remove comments)
    #[command(after_help = "示例：\n  consultctl group remove 01JD… 01JF… 01JE4…")]
    Remove {
        consultation: String,
        group: String,
        #[arg(required = true)]
        comments: Vec<String>,
    },
    /// 解散集中意见：成员移出、恢复为未答复 (dissolve: members leave it, unanswered again)
    #[command(
        after_help = "示例：\n  consultctl group dissolve 01JD… 01JF…\n\n集中意见至少保留两条意见；\
只剩一条时不能再移出，请解散。"
    )]
    Dissolve { consultation: String, group: String },
    /// 修改概括 (change the summary)
    #[command(
        after_help = "示例：\n  consultctl group summary 01JD… 01JF… --summary \"建议将过渡期延长至六个月\""
    )]
    Summary {
        consultation: String,
        group: String,
        #[arg(long)]
        summary: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SuggestionCommand {
    /// 重新计算相似意见建议（可见、未归并、未被忽略的意见）(compute from scratch)
    #[command(after_help = "示例：\n  consultctl suggestion compute 01JD…")]
    Compute { consultation: String },
    /// 列出建议，按条数从多到少 (list, largest first)
    #[command(
        after_help = "示例：\n  consultctl suggestion list 01JD…\n  consultctl suggestion list 01JD… --state dismissed --all"
    )]
    List {
        consultation: String,
        /// 待处理/open（默认）、已采用/accepted、已忽略/dismissed、全部/all
        #[arg(long, default_value = "open")]
        state: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// 查看建议：代表意见、差异最大的成员、渠道和身份分布 (show one)
    #[command(after_help = "示例：\n  consultctl suggestion show 01JD… s:01JG…")]
    Show {
        consultation: String,
        suggestion: String,
    },
    /// 采用建议为新的集中意见，或并入已有集中意见 (accept as a group, or merge into one)
    #[command(
        after_help = "示例：\n  consultctl suggestion accept 01JD… s:01JG… --summary \"建议恢复原公交线路\"\n  \
consultctl suggestion accept 01JD… s:01JG… --into g:01JF…\n\n建议计算后若有成员被屏蔽或已归并，采用会被拒绝并说明变化；请重新计算。"
    )]
    Accept {
        consultation: String,
        suggestion: String,
        /// 新集中意见的概括（公开）(summary of a new group, published)
        #[arg(long, required_unless_present = "into", conflicts_with = "into")]
        summary: Option<String>,
        /// 并入的集中意见 (the group to merge into)
        #[arg(long)]
        into: Option<String>,
    },
    /// 把所列成员拆分为另一条建议；两部分都至少两条 (split listed members off)
    #[command(after_help = "示例：\n  consultctl suggestion split 01JD… s:01JG… 01JE4… 01JE5…")]
    Split {
        consultation: String,
        suggestion: String,
        #[arg(required = true, num_args = 2..)]
        comments: Vec<String>,
    },
    /// 忽略建议：这些意见并非同一意见，不再一起建议 (dismiss)
    #[command(after_help = "示例：\n  consultctl suggestion dismiss 01JD… s:01JG…")]
    Dismiss {
        consultation: String,
        suggestion: String,
    },
}

/// An answer given on the command line.
#[derive(Debug, Args, Clone)]
pub(crate) struct AnswerArgs {
    /// 采纳情况 (outcome): 采纳/adopted, 部分采纳/partially_adopted, 未采纳/not_adopted, 不属于征求意见范围/out_of_scope
    #[arg(long, required_unless_present = "template")]
    pub(crate) outcome: Option<String>,
    /// 用本部门的答复模板答复（template list 列出），代替 --outcome 和 --reason (answer with a template)
    #[arg(long, conflicts_with_all = ["outcome", "reason"])]
    pub(crate) template: Option<String>,
    /// 理由：未采纳、部分采纳和不属于范围时必填 (reason)
    #[arg(long, default_value = "")]
    pub(crate) reason: String,
    /// 采纳内容：部分采纳时必填 (what was adopted)
    #[arg(long, default_value = "")]
    pub(crate) adopted: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AnswerCommand {
    /// 答复一条意见 (answer one comment)
    #[command(
        after_help = "示例：\n  consultctl answer comment 01JD… 01JE… --outcome 未采纳 --reason \"与上位法规定不一致\"\n  \
consultctl answer comment 01JD… 01JE… --template 上位法"
    )]
    Comment {
        consultation: String,
        comment: String,
        #[command(flatten)]
        answer: AnswerArgs,
    },
    /// 答复一组集中意见 (answer an opinion group)
    #[command(
        after_help = "示例：\n  consultctl answer group 01JD… 01JF… --outcome 部分采纳 --adopted \"第五条过渡期改为六个月\" --reason \"十二个月过长\""
    )]
    Group {
        consultation: String,
        group: String,
        #[command(flatten)]
        answer: AnswerArgs,
    },
    /// 按条件批量答复（不含已屏蔽和已归并的意见）(answer every comment matching a filter)
    #[command(
        after_help = "示例：\n  consultctl answer filter 01JD… --clause 第九条 --only-unanswered --outcome 采纳 --dry-run\n  \
consultctl answer filter 01JD… --clause 第九条 --only-unanswered --outcome 采纳\n  \
consultctl answer filter 01JD… --search \"票价 学生\" --outcome 未采纳 --reason \"学生票价另有规定\"\n\n\
--dry-run 只统计将答复多少条意见并列出其中几条，不写入。"
    )]
    Filter {
        consultation: String,
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// 条款，如 第九条 或 9 (clause)
        #[arg(long)]
        clause: Option<String>,
        /// 检索意见内容，空格分隔的每个词都须出现 (every word must appear in the text)
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// 只答复尚未答复的意见 (only comments without an answer)
        #[arg(long)]
        only_unanswered: bool,
        /// 只统计、列出样例，不写入 (count and show a sample; write nothing)
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        answer: AnswerArgs,
    },
    /// 从 CSV 文件导入答复：先逐行检查，全部无误才写入 (answer from a CSV file)
    #[command(
        after_help = "示例：\n  consultctl answer csv 01JD… 答复.csv --dry-run\n  consultctl answer csv 01JD… 答复.csv\n\n\
文件需有表头，列名（中英文均可）：\n  意见编号/id（意见编号，或 g:集中意见编号）、采纳情况/outcome、理由/reason、采纳内容/adopted_content（可选）\n  \
模板/template（可选）：填本部门答复模板的名称（template list 列出），采纳情况和理由留空，由模板给出\n\
comment export 导出的 CSV 可直接填写后导入。文件可为 UTF-8（可带 BOM）或 GBK 编码。"
    )]
    Csv {
        consultation: String,
        file: PathBuf,
        /// 只检查，不写入 (check every row, write nothing)
        #[arg(long)]
        dry_run: bool,
        /// 文件编码 (file encoding)
        #[arg(long, value_enum, default_value_t = Encoding::Auto)]
        encoding: Encoding,
    },
}

/// The text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Encoding {
    /// UTF-8, or GBK (GB18030) when the file is not valid UTF-8.
    Auto,
    /// UTF-8 only.
    Utf8,
    /// GBK / GB18030, as saved by spreadsheet programs on Chinese Windows.
    Gbk,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GateCommand {
    /// 检查是否满足上会条件，列出缺少的内容 (check; exit 4 when not ready)
    #[command(after_help = "示例：\n  consultctl gate check 01JD…")]
    Check { consultation: String },
    /// 标记为待上会 (pass the gate)
    #[command(after_help = "示例：\n  consultctl gate pass 01JD…")]
    Pass { consultation: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum HearingCommand {
    /// 列出事项的听证会 (list a consultation's hearings)
    #[command(after_help = "示例：\n  consultctl hearing list 01JD…")]
    List { consultation: String },
    /// 查看听证会、参加人和笔录 (show one, with participants and the record)
    #[command(after_help = "示例：\n  consultctl hearing show 01JD… h1")]
    Show {
        consultation: String,
        hearing: String,
    },
    /// 安排听证会 (plan a hearing)
    #[command(
        after_help = "示例：\n  consultctl hearing plan 01JD… h1 --at \"2026-04-10 09:30\" --place 市政府第一会议室 \\\n    \
--matters 公共停车场收费标准 --selection \"公开报名，按类别随机抽取\"\n\n\
规章草案的听证会须在举行30日前发布公告（consultctl hearing announce）。"
    )]
    Plan {
        consultation: String,
        /// 听证会标识，如 h1 (the hearing's id)
        hearing: String,
        /// 举行时间（北京时间）(when it is held)
        #[arg(long)]
        at: String,
        /// 地点 (place)
        #[arg(long)]
        place: String,
        /// 听证事项 (matters heard)
        #[arg(long)]
        matters: String,
        /// 参加人遴选办法 (how participants are chosen)
        #[arg(long)]
        selection: String,
    },
    /// 发布听证公告 (publish the notice)
    #[command(after_help = "示例：\n  consultctl hearing announce 01JD… h1")]
    Announce {
        consultation: String,
        hearing: String,
    },
    /// 增加参加人；姓名不公开 (add a participant; the name stays private)
    #[command(
        after_help = "示例：\n  consultctl hearing add-participant 01JD… h1 --category 企业 --name 赵经理"
    )]
    AddParticipant {
        consultation: String,
        hearing: String,
        /// 类别 (category), e.g. citizen, enterprise, 市民
        #[arg(long)]
        category: String,
        /// 姓名 (name)
        #[arg(long)]
        name: String,
    },
    /// 公布参加人名单 (publish the list of participants)
    #[command(after_help = "示例：\n  consultctl hearing publish-participants 01JD… h1")]
    PublishParticipants {
        consultation: String,
        hearing: String,
    },
    /// 登记听证材料送达参加人（须在举行7日前）(record the delivery of materials)
    #[command(
        after_help = "示例：\n  consultctl hearing deliver 01JD… h1 2 --at \"2026-04-03 09:00\""
    )]
    Deliver {
        consultation: String,
        hearing: String,
        /// 参加人编号 (the participant's number)
        participant: String,
        /// 送达时间（北京时间）(when)
        #[arg(long)]
        at: String,
    },
    /// 录入或更正听证笔录（参加人确认前）(enter or correct the record)
    #[command(after_help = "示例：\n  consultctl hearing record 01JD… h1 --file 听证笔录.txt")]
    Record {
        consultation: String,
        hearing: String,
        /// 笔录文件（UTF-8 文本）(the record, a UTF-8 text file)
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// 登记参加人确认（签字）笔录 (record a participant's confirmation)
    #[command(after_help = "示例：\n  consultctl hearing confirm 01JD… h1 2")]
    Confirm {
        consultation: String,
        hearing: String,
        /// 参加人编号 (the participant's number)
        participant: String,
    },
    /// 登记听证会上提出的意见，之后与其他意见一样答复 (record an opinion voiced at the hearing)
    #[command(
        after_help = "示例：\n  consultctl hearing opinion 01JD… h1 --category 企业 --content \"建议夜间停车收费减半\" --clause 第八条"
    )]
    Opinion {
        consultation: String,
        hearing: String,
        /// 意见内容 (the opinion)
        #[arg(long)]
        content: String,
        /// 提出者类别 (category), default citizen
        #[arg(long)]
        category: Option<String>,
        /// 条款 (clause), e.g. 第五条
        #[arg(long, default_value = "")]
        clause: String,
        /// 幂等键：重试时使用同一个值不会重复登记 (idempotency key)
        #[arg(long)]
        request_id: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum MeetingCommand {
    /// 列出事项的会议 (list a consultation's meetings)
    #[command(after_help = "示例：\n  consultctl meeting list 01JD…")]
    List { consultation: String },
    /// 查看一个会议 (show one)
    #[command(after_help = "示例：\n  consultctl meeting show 01JD… m1")]
    Show {
        consultation: String,
        meeting: String,
    },
    /// 登记已召开的会议 (record a meeting held)
    #[command(
        after_help = "示例：\n  consultctl meeting record 01JD… m1 --kind 座谈会 --at \"2026-04-08 15:00\" --title 停车场经营企业座谈会 \\\n    \
--attendees 企业:6:某停车管理公司 --attendees 行业协会商会:2\n  \
consultctl meeting record 01JD… m2 --kind 决策会议列席 --at \"2026-04-20 09:00\" --title 市政府第十二次常务会议 \\\n    \
--attendees 公民:2 --attendees 企业:1 --representatives 公民:r1,r2 --representatives 企业:r7 \\\n    \
--opinions \"市民代表建议设置过渡期\" --handling \"采纳，增设六个月过渡期\"\n\n\
--attendees 写作 类别:人数[:同意公开的姓名,…]，每个类别一项；--representatives 写作 类别:代表标识,…，\
代表须在本部门社会公众代表库中（consultctl representative list）。座谈会、实地走访、专家论证在上会前登记，意见用 meeting opinion 逐条登记并答复；\
决策会议列席在通过上会前置条件后登记，须写明意见发表情况（--opinions）和采纳情况（--handling）。"
    )]
    Record {
        consultation: String,
        /// 会议标识，如 m1 (the meeting's id)
        meeting: String,
        /// 形式 (kind): 座谈会/symposium, 实地走访/field_visit, 专家论证/expert_review, 决策会议列席/decision_meeting
        #[arg(long)]
        kind: String,
        /// 召开时间（北京时间）(when it was held)
        #[arg(long)]
        at: String,
        /// 会议名称 (title)
        #[arg(long)]
        title: String,
        /// 参会人员：类别:人数[:同意公开的姓名,…] (attendees of one category; repeat)
        #[arg(long, required = true)]
        attendees: Vec<String>,
        /// 列席的社会公众代表库代表：类别:代表标识,… (registered representatives who attended, by category; repeat)
        #[arg(long = "representatives")]
        representatives: Vec<String>,
        /// 决策会议列席：意见发表情况 (what the representatives said)
        #[arg(long, default_value = "")]
        opinions: String,
        /// 决策会议列席：采纳情况 (how it was handled)
        #[arg(long, default_value = "")]
        handling: String,
    },
    /// 登记会议上提出的意见，之后与其他意见一样答复 (record an opinion voiced at the meeting)
    #[command(
        after_help = "示例：\n  consultctl meeting opinion 01JD… m1 --category 企业 --content \"建议允许企业自主定价\""
    )]
    Opinion {
        consultation: String,
        meeting: String,
        /// 意见内容 (the opinion)
        #[arg(long)]
        content: String,
        /// 提出者类别 (category), default citizen
        #[arg(long)]
        category: Option<String>,
        /// 条款 (clause), e.g. 第五条
        #[arg(long, default_value = "")]
        clause: String,
        /// 幂等键：重试时使用同一个值不会重复登记 (idempotency key)
        #[arg(long)]
        request_id: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DecisionCommand {
    /// 登记决策文件 (record the decision document)
    #[command(
        after_help = "示例：\n  consultctl decision record 01JD… --number \"洪府发〔2026〕12号\" --title \"关于促进民营经济发展的若干措施\" --date 2026-12-20 \\\n      --text-url https://www.nc.gov.cn/zwgk/2026/12/20.html"
    )]
    Record {
        consultation: String,
        #[command(flatten)]
        decision: DecisionArgs,
    },
}

#[derive(Debug, Args, Clone)]
pub(crate) struct DecisionArgs {
    /// 文号 (document number)
    #[arg(long)]
    pub(crate) number: String,
    /// 标题 (title)
    #[arg(long)]
    pub(crate) title: String,
    /// 决策日期 (date), YYYY-MM-DD
    #[arg(long)]
    pub(crate) date: String,
    /// 决策文件全文的网址，反馈报告链接到它 (where the full text is published, https://…)
    #[arg(long)]
    pub(crate) text_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// 预览反馈报告（截止后任何时候）(preview)
    #[command(
        after_help = "示例：\n  consultctl report preview 01JD…\n  consultctl report preview 01JD… --format html --out 预览.html"
    )]
    Preview {
        consultation: String,
        /// 写入文件的格式 (file format, with --out)
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 公开反馈报告（决策后）(publish)
    #[command(after_help = "示例：\n  consultctl report publish 01JD…")]
    Publish { consultation: String },
    /// 更正已公开的报告：公开新版本，旧版本保留 (correct: publishes a new version)
    #[command(
        after_help = "示例：\n  consultctl report correct 01JD… --reason \"更正第12条意见的答复理由\""
    )]
    Correct {
        consultation: String,
        /// 更正说明（公开）(reason, published)
        #[arg(long)]
        reason: String,
        /// 更正后的文号 (corrected decision number; with --title and --date)
        #[arg(long, requires_all = ["title", "date"])]
        number: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        date: Option<String>,
        /// 更正后的决策文件全文网址 (corrected address of the full text; with --number)
        #[arg(long, requires = "number")]
        text_url: Option<String>,
    },
    /// 查看已公开的报告 (show a published version)
    #[command(
        after_help = "示例：\n  consultctl report show 01JD…\n  consultctl report show 01JD… --version 1"
    )]
    Show {
        consultation: String,
        /// 版本号；省略为最新版 (version; latest if omitted)
        #[arg(long)]
        version: Option<u32>,
    },
    /// 列出已公开的版本 (list published versions)
    #[command(after_help = "示例：\n  consultctl report versions 01JD…")]
    Versions { consultation: String },
    /// 导出报告为 JSON、CSV 或 HTML 文件 (export)
    #[command(
        after_help = "示例：\n  consultctl report export 01JD… --format html --out 反馈.html\n  \
consultctl report export 01JD… --version 1 --format json --out v1.json\n  consultctl report export 01JD… --preview --format csv --out 预览.csv\n\
JSON 即公开的规范文本，其 SHA-256 与公开的校验值一致（导出时核对）。"
    )]
    Export {
        consultation: String,
        #[arg(long, value_enum, default_value_t = FileFormat::Json)]
        format: FileFormat,
        /// 版本号；省略为最新版 (version; latest if omitted)
        #[arg(long, conflicts_with = "preview")]
        version: Option<u32>,
        /// 导出预览稿 (the unpublished preview)
        #[arg(long)]
        preview: bool,
        /// 输出文件；省略时写到标准输出 (output file; stdout if omitted)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct DueArgs {
    /// 多少天内到期 (due within this many days)
    #[arg(long, default_value_t = 7)]
    pub(crate) within: i32,
    /// 部门代码 (department)
    #[arg(long)]
    pub(crate) department: Option<String>,
}
