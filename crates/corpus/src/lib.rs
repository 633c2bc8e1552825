//! A labelled corpus of comments on draft decisions, generated from a seed, for measuring how
//! well near-duplicate clustering finds campaigns: several drafts; organic comments of 20-600
//! characters; mail-merge campaigns (one template, synonyms swapped, personal sentences added,
//! sentences reordered, clauses dropped or inserted, numbers, punctuation and width changed,
//! look-alike and same-sound typos, some traditional characters) and sincere ones (people
//! restating one demand in their own words around shared phrases), of very different sizes;
//! hard negatives (the campaign's clause, subject and keywords, the opposite opinion, half of
//! them quoting 12-21 characters of the campaign as its organisers wrote it to rebut it); and
//! exact duplicates (retries and copies). Every comment carries its label.
//!
//! People's own words come from 36 loose sentence frames filled from word lists of times,
//! places, people, things, actions, feelings and frequencies, so that two unrelated comments
//! share the odd word and short glue, not whole sentences. About a third of organic comments
//! open by introducing their author, mostly in particulars (district, occupation, years), a
//! quarter of those with a stock phrase that recurs word for word as it does in real
//! submissions (我是本市一名普通市民，). On the draft itself people use its own subjects, demands
//! and reasons in ten frames. Each mail-merge organiser words the template's opening and
//! closing demand in a frame of their own; each sincere campaign has slogans about a place of
//! its own (十五路, 和平里, ...), its subject and its demand, about 36 characters in all.

/// What a generated comment is, for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// Written by its author alone.
    Organic,
    /// A member of campaign `n` (an index into [`Corpus::campaigns`]).
    Campaign(usize),
    /// Same clause and keywords as campaign `n`, opposite opinion.
    HardNegative(usize),
    /// An exact copy of comment `n` (an earlier position).
    Duplicate(usize),
}

/// How a campaign was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignKind {
    /// One template, filled in and varied.
    MailMerge,
    /// One demand restated by each person around shared phrases.
    Sincere,
}

/// A campaign of the corpus.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// Mail-merge or sincere.
    pub kind: CampaignKind,
    /// The draft it is about.
    pub draft: usize,
    /// How many members it has (exact duplicates of members not counted).
    pub members: usize,
}

/// One generated comment.
#[derive(Debug, Clone)]
pub struct GeneratedComment {
    /// The draft (consultation) it is on.
    pub draft: usize,
    /// Its text.
    pub text: String,
    /// The clause it names, e.g. `第五条` (may be empty).
    pub clause: String,
    /// What it is.
    pub label: Label,
}

/// The corpus: comments in submission order, and its campaigns.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The comments.
    pub comments: Vec<GeneratedComment>,
    /// The campaigns.
    pub campaigns: Vec<Campaign>,
}

/// How large a corpus to make.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Comments in all.
    pub comments: usize,
    /// Campaign sizes as shares of all comments (the rest: organic, hard negatives and
    /// duplicates), alternately mail-merge and sincere; a share below one comment gets five.
    pub campaign_shares: Vec<f64>,
    /// Share of hard negatives.
    pub hard_negatives: f64,
    /// Share of exact duplicates.
    pub duplicates: f64,
}

impl Shape {
    /// The benchmark's shape: campaigns from 5 members to 40 % of all comments.
    pub fn benchmark(comments: usize) -> Self {
        Self {
            comments,
            campaign_shares: vec![
                0.40, 0.12, 0.06, 0.03, 0.01, 0.004, 0.001, 0.0, 0.0, 0.0005, 0.0, 0.002,
            ],
            hard_negatives: 0.02,
            duplicates: 0.02,
        }
    }
}

/// A small, fast, seeded generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A draft's subject matter: what comments on it talk about.
struct Draft {
    subjects: &'static [&'static str],
    demands: &'static [&'static str],
    reasons: &'static [&'static str],
}

const DRAFTS: [Draft; 3] = [
    Draft {
        subjects: &[
            "公交线路",
            "地铁票价",
            "换乘优惠",
            "夜班公交",
            "共享单车停放",
            "出租车运价",
            "公交专用道",
            "老年人乘车",
            "学生票",
            "停车收费",
            "充电桩建设",
            "站点设置",
        ],
        demands: &[
            "应当保留",
            "建议调整",
            "希望增加",
            "不宜取消",
            "应当降低",
            "建议分时段执行",
            "希望延长运营时间",
            "建议公开成本",
            "应当听取沿线居民意见",
            "建议试点后再推广",
        ],
        reasons: &[
            "沿线居民出行不便",
            "上班通勤时间过长",
            "老年人使用手机支付困难",
            "郊区换乘次数太多",
            "高峰时段车厢拥挤",
            "票价占收入比重偏高",
            "夜间下班没有交通工具",
            "学校周边交通混乱",
            "停车位长期不足",
            "新能源车充电排队",
        ],
    },
    Draft {
        subjects: &[
            "过渡期",
            "申请材料",
            "财政补贴",
            "融资担保",
            "政府采购份额",
            "涉企检查",
            "信用修复",
            "人才引进",
            "房租减免",
            "用工社保",
            "账款拖欠",
            "审批时限",
        ],
        demands: &[
            "建议延长",
            "应当简化",
            "希望提高标准",
            "建议明确牵头部门",
            "应当免申即享",
            "建议压缩时限",
            "希望覆盖小微企业",
            "应当公开执行情况",
            "建议纳入考核",
            "不宜一刀切",
        ],
        reasons: &[
            "中小企业负担较重",
            "基层执行口径不一",
            "企业反复提交证明",
            "资金周转困难",
            "政策兑现周期太长",
            "部门之间数据不共享",
            "小微企业难以达到门槛",
            "检查过于频繁",
            "招投标门槛不合理",
            "技术骨干留不住",
        ],
    },
    Draft {
        subjects: &[
            "垃圾分类",
            "小区物业",
            "电梯加装",
            "绿化面积",
            "噪声管理",
            "餐饮油烟",
            "停车位配建",
            "老旧小区改造",
            "消防通道",
            "宠物管理",
            "快递柜设置",
            "公共维修资金",
        ],
        demands: &[
            "建议细化标准",
            "应当明确责任主体",
            "希望加大投入",
            "建议分步实施",
            "应当征求业主意见",
            "建议设置过渡安排",
            "希望公开收支",
            "应当加强监管",
            "建议给予补助",
            "不宜强制推行",
        ],
        reasons: &[
            "居民意见分歧较大",
            "低楼层住户受影响",
            "维修资金使用不透明",
            "夜间施工扰民",
            "老年住户上下楼困难",
            "执法力量不足",
            "分类设施配置不够",
            "小区公共空间被占用",
            "物业服务质量参差不齐",
            "费用分摊办法不清楚",
        ],
    },
];

/// Stock openings that recur word for word in real comments: boilerplate the clustering must
/// not mistake for copying.
const STOCK_OPENERS: [&str; 8] = [
    "我是本市一名普通市民，",
    "作为一名普通市民，",
    "本人是一名普通群众，",
    "我们小区很多居民反映，",
    "作为人大代表，",
    "我是一名退休职工，",
    "看了这次征求意见稿，",
    "关于这个草案，我说几句。",
];
/// Where people say they live.
const DISTRICTS: [&str; 16] = [
    "城东",
    "城西",
    "南湖区",
    "北新区",
    "开发区",
    "老城区",
    "高新区",
    "江北",
    "河西",
    "滨海新区",
    "东关街道",
    "西山镇",
    "桥南",
    "火车站一带",
    "大学城",
    "城北村",
];
/// What people say they do.
const OCCUPATIONS: [&str; 20] = [
    "外卖骑手",
    "退休教师",
    "社区医生",
    "出租车司机",
    "个体户",
    "大学生",
    "公司职员",
    "小学老师",
    "护士",
    "快递员",
    "超市店长",
    "工程师",
    "会计",
    "律师",
    "餐馆老板",
    "家庭主妇",
    "公交司机",
    "环卫工人",
    "网约车司机",
    "研究生",
];
/// Trades people say they are in.
const TRADES: [&str; 10] = [
    "个体经营",
    "餐饮",
    "物流运输",
    "服装批发",
    "装修",
    "家政服务",
    "汽车维修",
    "进出口贸易",
    "农产品销售",
    "软件开发",
];

/// How a person introduces themself, if at all: mostly in particulars of their own, sometimes
/// in a stock phrase.
fn opener(rng: &mut Rng) -> String {
    let n = 2 + rng.below(30);
    match rng.below(9) {
        0 | 1 => rng.pick(&STOCK_OPENERS).to_string(),
        2 => format!("我是{}的居民，", rng.pick(&DISTRICTS)),
        3 => format!("我在{}住了{n}年，", rng.pick(&DISTRICTS)),
        4 => format!("作为一名{}，", rng.pick(&OCCUPATIONS)),
        5 => format!("我是一名{}，", rng.pick(&OCCUPATIONS)),
        6 => format!("本人从事{}{n}年，", rng.pick(&TRADES)),
        7 => format!("我家在{}附近，", rng.pick(&PLACES)),
        _ => format!("我是{}的{}，", rng.pick(&DISTRICTS), rng.pick(&OCCUPATIONS)),
    }
}

const CLOSERS: [&str; 10] = [
    "以上意见请予考虑。",
    "谢谢！",
    "希望能够采纳。",
    "请有关部门认真研究。",
    "盼复。",
    "以上是我的一点看法。",
    "希望早日落实。",
    "特此建议。",
    "望予以重视。",
    "感谢倾听民意。",
];
const CONNECTORS: [&str; 12] = [
    "同时，",
    "另外，",
    "此外，",
    "而且",
    "因此",
    "具体来说，",
    "我觉得",
    "说实话，",
    "再说",
    "还有就是",
    "举个例子，",
    "顺便说一句，",
];
const FILLERS: [&str; 16] = [
    "这个问题已经存在很多年了",
    "周围的人也都有同感",
    "希望政府多听听基层的声音",
    "网上也有不少人讨论",
    "具体情况可以到现场看看",
    "类似的做法在外地已经有先例",
    "我曾经打过热线反映",
    "这直接关系到日常生活",
    "不少邻居都遇到过",
    "我查阅过相关规定",
    "去年也提过类似意见",
    "建议做好宣传解释",
    "执行中要注意公平",
    "不要增加群众负担",
    "可以先小范围试行",
    "相关数据应当公开",
];

/// When things happen.
const TIMES: [&str; 30] = [
    "早上",
    "晚上",
    "周末",
    "每天早上",
    "下班以后",
    "上个月",
    "去年冬天",
    "前几天",
    "节假日",
    "春节前后",
    "开学那几天",
    "下雨天",
    "夏天",
    "半夜",
    "中午",
    "上周",
    "每逢月底",
    "早高峰",
    "晚高峰",
    "这两年",
    "那几年",
    "刚搬来的时候",
    "前年",
    "小时候",
    "退休以后",
    "孩子出生后",
    "今年开春",
    "上半年",
    "国庆期间",
    "平时",
];
/// Where things happen.
const PLACES: [&str; 40] = [
    "学校门口",
    "医院",
    "菜市场",
    "路口",
    "桥下",
    "楼下",
    "单位附近",
    "地铁站",
    "小区门口",
    "老街",
    "火车站",
    "批发市场",
    "社区服务中心",
    "政务大厅",
    "银行网点",
    "幼儿园",
    "十字路口",
    "公园东门",
    "工业园",
    "城中村",
    "体育馆",
    "图书馆",
    "商场",
    "汽车站",
    "江边",
    "新区",
    "老城区",
    "厂区",
    "写字楼",
    "菜场后面",
    "加油站旁边",
    "高架下面",
    "农贸市场",
    "村口",
    "停车场",
    "社区医院",
    "派出所",
    "街道办",
    "快递点",
    "修车铺",
];
/// Who people talk about.
const PEOPLE: [&str; 35] = [
    "孩子",
    "我妈",
    "我爸",
    "老伴",
    "爱人",
    "邻居",
    "同事",
    "老板",
    "师傅",
    "房东",
    "租客",
    "家长",
    "学生",
    "老师",
    "司机",
    "保安",
    "保洁阿姨",
    "网格员",
    "志愿者",
    "隔壁大爷",
    "楼上住户",
    "店员",
    "外地来的亲戚",
    "客户",
    "工人",
    "会计",
    "医生",
    "护士",
    "小区业主",
    "物业经理",
    "年轻人",
    "老年人",
    "残疾人朋友",
    "骑手",
    "快递员",
];
/// What people talk about.
const THINGS: [&str; 50] = [
    "收入",
    "工资",
    "房租",
    "物价",
    "车位",
    "电梯",
    "井盖",
    "路灯",
    "站台",
    "座椅",
    "雨棚",
    "厕所",
    "台阶",
    "坡道",
    "围墙",
    "绿地",
    "树木",
    "垃圾桶",
    "监控",
    "红绿灯",
    "斑马线",
    "指示牌",
    "二维码",
    "小程序",
    "热线",
    "发票",
    "合同",
    "证明材料",
    "复印件",
    "公章",
    "押金",
    "账单",
    "水电费",
    "物业费",
    "医保卡",
    "社保",
    "贷款",
    "订单",
    "库存",
    "营业执照",
    "报销单",
    "窗口",
    "号码牌",
    "排班表",
    "说明书",
    "通知单",
    "罚单",
    "停车费",
    "电动车",
    "充电器",
];
/// What people do.
const ACTIONS: [&str; 40] = [
    "排队",
    "等车",
    "办手续",
    "交材料",
    "打热线",
    "投诉",
    "预约",
    "接孩子",
    "买菜",
    "上下班",
    "看病",
    "取快递",
    "加班",
    "开会",
    "送货",
    "跑业务",
    "找车位",
    "缴费",
    "补办证件",
    "填表",
    "核对信息",
    "搬家",
    "装修",
    "报修",
    "遛狗",
    "锻炼身体",
    "去银行",
    "出差",
    "值夜班",
    "换乘",
    "拿号",
    "开发票",
    "签合同",
    "申请补助",
    "续租",
    "体检",
    "倒垃圾",
    "带老人复查",
    "交房租",
    "对账",
];
/// What people make of it.
const FEELINGS: [&str; 35] = [
    "很不方便",
    "挺麻烦的",
    "特别难",
    "太辛苦了",
    "让人着急",
    "叫人担心",
    "还算满意",
    "有点失望",
    "能理解",
    "非常支持",
    "不太赞成",
    "说不清楚",
    "没人管",
    "拖了很久",
    "来回跑了好几趟",
    "根本等不起",
    "一直没解决",
    "比以前好多了",
    "越来越贵",
    "越来越挤",
    "要花一上午",
    "经常出错",
    "讲不通",
    "没有下文",
    "效率很低",
    "态度还行",
    "收费不透明",
    "标准不统一",
    "手续太繁琐",
    "划不来",
    "吃不消",
    "心里没底",
    "顾不过来",
    "乱糟糟的",
    "安全隐患大",
];
/// How often.
const OFTEN: [&str; 15] = [
    "经常",
    "总是",
    "有时候",
    "偶尔",
    "每次",
    "一直",
    "几乎天天",
    "常常",
    "往往",
    "老是",
    "隔三差五",
    "基本上",
    "每个月都要",
    "一年到头",
    "动不动就",
];

/// Loose sentence frames people use for their own experience: `T` time, `P` place, `H` person,
/// `N` thing, `A` action, `F` feeling, `D` how often, `n` a number.
const FRAMES: [&str; 36] = [
    "T去PA，F。",
    "我D在PA，F。",
    "H说P那边的NF。",
    "上次A等了n分钟，F。",
    "P的N坏了n个月了，F。",
    "我们家HD要A，NF。",
    "说到N，HD抱怨F。",
    "TH带我去PA，才发现NF。",
    "N这件事F，H也这么看。",
    "像我这样DA的人，NF。",
    "我算过，光N一年就要n千多块。",
    "P附近N太少，TF。",
    "H跟我讲，A的时候NF。",
    "我在P干了n年，NF。",
    "TA的人特别多，PF。",
    "谁都有A的时候，NF就不好办了。",
    "HT去A，结果NF。",
    "我们楼n户人家，D为N发愁。",
    "P那块N和N都F。",
    "不是说N不重要，是AF。",
    "前后A了n次，F。",
    "H和H为了N吵过好几回。",
    "如果N能改一改，A就不会F。",
    "T从P到P要n十分钟。",
    "老实讲，NF，H都知道。",
    "A本来是小事，T却F。",
    "我D替HA，F。",
    "P旁边n年前就这样了，NF。",
    "咱们P的N，F。",
    "H在PA，D碰到NF。",
    "N的事我打听过，H说F。",
    "带着HA，NF。",
    "TN涨了不少，HF。",
    "要是TA，F。",
    "一个H，一个N，都F。",
    "AA都离不开N。",
];

/// A sentence in a person's own words: one of many loose frames, filled with everyday words.
fn own_words(rng: &mut Rng) -> String {
    let frame = rng.pick(&FRAMES);
    let mut out = String::with_capacity(frame.len() * 3);
    for c in frame.chars() {
        match c {
            'T' => out.push_str(rng.pick(&TIMES)),
            'P' => out.push_str(rng.pick(&PLACES)),
            'H' => out.push_str(rng.pick(&PEOPLE)),
            'N' => out.push_str(rng.pick(&THINGS)),
            'A' => out.push_str(rng.pick(&ACTIONS)),
            'F' => out.push_str(rng.pick(&FEELINGS)),
            'D' => out.push_str(rng.pick(&OFTEN)),
            'n' => out.push_str(&(2 + rng.below(40)).to_string()),
            c => out.push(c),
        }
    }
    out
}

/// Same-sound and look-alike substitutions people make when typing.
const TYPOS: [(char, char); 24] = [
    ('的', '得'),
    ('在', '再'),
    ('建', '健'),
    ('议', '意'),
    ('期', '其'),
    ('应', '因'),
    ('长', '常'),
    ('已', '己'),
    ('延', '廷'),
    ('票', '漂'),
    ('价', '介'),
    ('线', '限'),
    ('车', '东'),
    ('交', '较'),
    ('企', '起'),
    ('务', '物'),
    ('区', '去'),
    ('望', '忘'),
    ('理', '里'),
    ('明', '名'),
    ('确', '却'),
    ('贴', '帖'),
    ('保', '堡'),
    ('留', '流'),
];
/// Simplified characters and their traditional forms.
const TRADITIONAL: [(char, char); 24] = [
    ('们', '們'),
    ('个', '個'),
    ('这', '這'),
    ('时', '時'),
    ('说', '說'),
    ('对', '對'),
    ('会', '會'),
    ('为', '為'),
    ('过', '過'),
    ('还', '還'),
    ('发', '發'),
    ('后', '後'),
    ('经', '經'),
    ('开', '開'),
    ('关', '關'),
    ('与', '與'),
    ('现', '現'),
    ('应', '應'),
    ('长', '長'),
    ('问', '問'),
    ('业', '業'),
    ('车', '車'),
    ('价', '價'),
    ('议', '議'),
];
const SYNONYMS: [[&str; 3]; 10] = [
    ["强烈建议", "恳请", "希望"],
    ["延长", "延迟", "放宽"],
    ["中小企业", "小微企业", "民营企业"],
    ["取消", "撤销", "停止"],
    ["保留", "继续保留", "维持"],
    ["居民", "群众", "市民"],
    ["尽快", "及早", "抓紧"],
    ["不合理", "欠妥当", "不公平"],
    ["调整", "修改", "完善"],
    ["出行", "乘车", "通勤"],
];

/// An organic comment on `draft`: sentences of its own, 20-600 characters.
fn organic(rng: &mut Rng, draft: &Draft) -> String {
    // Most comments are short; a few are long.
    let target = {
        let u = rng.below(10_000) as f64 / 10_000.0;
        20 + (580.0 * u * u * u) as usize
    };
    let mut text = String::new();
    // About a third introduce themselves, mostly in particulars of their own.
    if rng.chance(0.35) {
        text.push_str(&opener(rng));
    }
    // Each person says at least one thing in words of their own.
    text.push_str(&own_words(rng));
    while text.chars().count() < target {
        let subject = rng.pick(draft.subjects);
        if rng.chance(0.6) {
            text.push_str(&own_words(rng));
            continue;
        }
        // On the draft itself people use its words (subjects, demands, reasons), in frames
        // of many kinds.
        let demand = rng.pick(draft.demands);
        let reason = rng.pick(draft.reasons);
        let sentence = match rng.below(10) {
            0 => format!("关于{subject}，{demand}，因为{reason}。"),
            1 => format!("{reason}，所以{subject}{demand}。"),
            2 => format!("{}{}", rng.pick(&CONNECTORS), own_words(rng)),
            3 => format!("{subject}方面{demand}，{}。", rng.pick(&FILLERS)),
            4 => format!(
                "第{}条中{subject}的规定{demand}，{reason}。",
                1 + rng.below(30)
            ),
            5 => format!("{subject}的问题在于{reason}，{demand}。"),
            6 => format!("对于草案里的{subject}，我的意见是{demand}。"),
            7 => format!("现在{reason}，{subject}{demand}才行。"),
            8 => format!("{subject}这一块，{}{demand}。", rng.pick(&CONNECTORS)),
            _ => format!("{reason}是事实，{subject}{demand}。"),
        };
        text.push_str(&sentence);
    }
    if rng.chance(0.3) {
        text.push_str(rng.pick(&CLOSERS));
    }
    text.chars().take(600).collect()
}

/// A mail-merge campaign's template: sentences of its own, each with synonym slots `{k}`.
fn template(rng: &mut Rng, draft: &Draft, campaign: usize) -> (&'static str, Vec<String>) {
    let subject = rng.pick(draft.subjects);
    let reason = rng.pick(draft.reasons);
    let demand = rng.pick(draft.demands);
    let slot = |rng: &mut Rng| format!("{{{}}}", rng.below(SYNONYMS.len()));
    let (a, b) = (slot(rng), slot(rng));
    // Each organiser words the opening and the closing demand their own way (one frame per
    // campaign), so that independent campaigns share the draft's words, not a whole frame.
    let first = match campaign % 6 {
        0 => format!("{a}对{subject}的规定作出{b}，{demand}。"),
        1 => format!("我们{a}关于{subject}的条款{b}，{demand}。"),
        2 => format!("{subject}一条必须{a}，{b}{demand}。"),
        3 => format!("恳切呼吁在{subject}问题上{a}{b}，{demand}！"),
        4 => format!("草案中{subject}部分{a}，{demand}，{b}。"),
        _ => format!("针对{subject}，我们的意见是{a}并{b}，{demand}。"),
    };
    let mut sentences = vec![first];
    for _ in 0..3 + rng.below(3) {
        let words = own_words(rng);
        let cut = words.chars().count() / 2;
        let (head, tail): (String, String) = (
            words.chars().take(cut).collect(),
            words.chars().skip(cut).collect(),
        );
        sentences.push(format!("{head}{}{tail}", slot(rng)));
    }
    let (c, months) = (slot(rng), 3 + rng.below(10));
    sentences.push(match campaign % 6 {
        0 => format!("目前{reason}，建议{c}执行期限至{months}个月。"),
        1 => format!("鉴于{reason}，请{c}给予{months}个月缓冲。"),
        2 => format!("{reason}的情况很普遍，{c}过渡{months}个月才合理。"),
        3 => format!("考虑到{reason}，恳请{c}实施时间推后{months}个月。"),
        4 => format!("{reason}，{c}宽限{months}个月是必要的。"),
        _ => format!("因为{reason}，请{c}留出{months}个月准备期。"),
    });
    (subject, sentences)
}

/// Fills a template's slots with synonyms.
fn fill(rng: &mut Rng, sentence: &str, choices: &[usize; 10]) -> String {
    let mut out = String::with_capacity(sentence.len() + 16);
    let mut chars = sentence.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{'
            && let Some(d) = chars.next().and_then(|d| d.to_digit(10))
        {
            chars.next(); // '}'
            let slot = d as usize;
            // Most members keep the template's word; some swap it.
            let pick = if rng.chance(0.35) {
                rng.below(3)
            } else {
                choices[slot]
            };
            out.push_str(SYNONYMS[slot][pick]);
            continue;
        }
        out.push(c);
    }
    out
}

/// A template sentence as the campaign's organisers wrote it, every slot with their word.
fn as_written(sentence: &str, choices: &[usize; 10]) -> String {
    let mut out = String::with_capacity(sentence.len() + 16);
    let mut chars = sentence.chars();
    while let Some(c) = chars.next() {
        if c == '{'
            && let Some(d) = chars.next().and_then(|d| d.to_digit(10))
        {
            chars.next(); // '}'
            out.push_str(SYNONYMS[d as usize][choices[d as usize]]);
            continue;
        }
        out.push(c);
    }
    out
}

/// Varies a text as copies do: typos, traditional characters, width and punctuation, numbers.
fn vary(rng: &mut Rng, text: &str) -> String {
    let typo_rate = if rng.chance(0.3) { 0.04 } else { 0.0 };
    let traditional = rng.chance(0.1);
    let full_width = rng.chance(0.2);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mut c = c;
        if typo_rate > 0.0
            && rng.chance(typo_rate)
            && let Some((_, t)) = TYPOS.iter().find(|(a, _)| *a == c)
        {
            c = *t;
        }
        if traditional && let Some((_, t)) = TRADITIONAL.iter().find(|(a, _)| *a == c) {
            c = *t;
        }
        if c.is_ascii_digit() && rng.chance(0.5) {
            c = char::from(b'0' + rng.below(10) as u8);
        }
        if full_width && c.is_ascii_graphic() {
            c = char::from_u32(c as u32 + 0xFEE0).unwrap_or(c);
        }
        match c {
            '，' if rng.chance(0.1) => out.push(','),
            '。' if rng.chance(0.1) => out.push_str(if rng.chance(0.5) { "！" } else { " " }),
            c => out.push(c),
        }
    }
    out
}

/// A mail-merge member: the template filled, sentences reordered, dropped or added to.
fn mail_merge(rng: &mut Rng, template: &[String], choices: &[usize; 10], draft: &Draft) -> String {
    let mut sentences: Vec<String> = template.iter().map(|s| fill(rng, s, choices)).collect();
    if rng.chance(0.3) {
        let i = rng.below(sentences.len());
        let k = rng.below(sentences.len());
        sentences.swap(i, k);
    }
    if rng.chance(0.25) && sentences.len() > 3 {
        let i = 1 + rng.below(sentences.len() - 1);
        sentences.remove(i);
    }
    if rng.chance(0.2) {
        let i = rng.below(sentences.len() + 1);
        sentences.insert(i, format!("{}。", rng.pick(&FILLERS)));
    }
    let mut text = String::new();
    if rng.chance(0.35) {
        text.push_str(&opener(rng));
        if rng.chance(0.5) {
            text.push_str(&organic(rng, draft).chars().take(40).collect::<String>());
        }
    }
    text.push_str(&sentences.concat());
    if rng.chance(0.35) {
        text.push_str(rng.pick(&CLOSERS));
    }
    vary(rng, &text)
}

/// Names particular to one sincere campaign: the route, estate or street it is about.
const ENTITIES: [&str; 16] = [
    "十五路",
    "和平里",
    "城东片区",
    "老街菜场",
    "二号线",
    "南湖新村",
    "开发区二期",
    "北门夜市",
    "光明小学",
    "东风厂宿舍",
    "滨江步道",
    "三号桥",
    "西关市场",
    "纺织厂小区",
    "新华路",
    "青年公寓",
];
/// Slogan frames of sincere campaigns: `E` the campaign's name, `S` its subject, `R` its
/// demand, `H` a person, `N` a thing, `A` an action.
const SLOGANS: [&str; 10] = [
    "E的SR",
    "S关系到E每一户人家",
    "E的HA离不开S",
    "S是E的民生大事",
    "请听听EH的声音",
    "E不能没有N",
    "S不能一刀切E的H最清楚",
    "RS是E的共同心愿",
    "E的N问题拖不起了",
    "HA难S要为E着想",
];

/// A sincere campaign: its subject and the phrases its members share, three slogans of the
/// campaign's own about one place and one demand.
fn shared_phrases(rng: &mut Rng, draft: &Draft, campaign: usize) -> (&'static str, Vec<String>) {
    let subject = rng.pick(draft.subjects);
    // Each sincere campaign is about a place of its own.
    let entity = ENTITIES[campaign % ENTITIES.len()];
    let demand = rng.pick(draft.demands);
    // Three slogans of about 36 characters in all, as long as the campaign's own words
    // elsewhere, redrawn until they are.
    loop {
        let mut frames: Vec<&str> = Vec::with_capacity(3);
        while frames.len() < 3 {
            let f = rng.pick(&SLOGANS);
            if !frames.contains(&f) {
                frames.push(f);
            }
        }
        let phrases: Vec<String> = frames
            .into_iter()
            .map(|frame| {
                let mut out = String::new();
                for c in frame.chars() {
                    match c {
                        'E' => out.push_str(entity),
                        'S' => out.push_str(subject),
                        'R' => out.push_str(demand),
                        'H' => out.push_str(rng.pick(&PEOPLE)),
                        'N' => out.push_str(rng.pick(&THINGS)),
                        'A' => out.push_str(rng.pick(&ACTIONS)),
                        c => out.push(c),
                    }
                }
                out
            })
            .collect();
        if phrases.iter().map(|p| p.chars().count()).sum::<usize>() >= 34 {
            return (subject, phrases);
        }
    }
}

/// How sincere members lead into a shared phrase.
const LEADS: [&str; 20] = [
    "我认为",
    "我们家的情况是",
    "说句心里话，",
    "大家都觉得",
    "我个人觉得",
    "真心希望",
    "我想说",
    "一句话：",
    "我的看法是",
    "不管怎么说，",
    "我们都明白",
    "请记住",
    "我和家人都认为",
    "归根到底，",
    "作为当事人，我想说",
    "说白了",
    "恳请领导看到",
    "大伙儿的意思是",
    "最重要的是",
    "我只想强调",
];

/// A sincere member: the shared phrases (two or three of them) in words of its own.
fn sincere(rng: &mut Rng, phrases: &[String]) -> String {
    let mut picked: Vec<&String> = phrases.iter().collect();
    if rng.chance(0.5) {
        picked.remove(rng.below(picked.len()));
    }
    if rng.chance(0.5) {
        picked.reverse();
    }
    let mut text = String::new();
    for p in picked {
        if rng.chance(0.6) {
            text.push_str(rng.pick(&LEADS));
        }
        text.push_str(p);
        text.push_str(if rng.chance(0.5) { "，" } else { "。" });
    }
    if rng.chance(0.5) {
        text.push_str(&own_words(rng));
    }
    vary(rng, &text)
}

/// A hard negative for a campaign: its subject and keywords, the opposite opinion; some quote
/// the campaign to rebut it.
fn hard_negative(rng: &mut Rng, draft: &Draft, subject: &str, quote: &str) -> String {
    let mut text = String::new();
    if rng.chance(0.5) {
        let q: String = quote.chars().take(12 + rng.below(10)).collect();
        text.push_str(&match rng.below(4) {
            0 => format!("有人提出“{q}”，我不同意。"),
            1 => format!("网上有人说“{q}”，这个说法不对。"),
            2 => format!("看到不少人写“{q}”，我有不同看法。"),
            _ => format!("所谓“{q}”，我认为站不住脚。"),
        });
    }
    let keyword = SYNONYMS[rng.below(10)][rng.below(3)];
    let reason = rng.pick(draft.reasons);
    text.push_str(&match rng.below(4) {
        0 => format!("{subject}现行规定是合理的，不应{keyword}，{reason}的说法站不住。"),
        1 => format!("我反对{keyword}{subject}，{reason}并不是普遍情况。"),
        2 => format!("{subject}不需要{keyword}，所谓{reason}被夸大了。"),
        _ => format!("不赞成{keyword}，{subject}维持现状更好，{reason}另有办法解决。"),
    });
    text.push_str(&own_words(rng));
    if rng.chance(0.6) {
        text.push_str(
            &organic(rng, draft)
                .chars()
                .take(60 + rng.below(100))
                .collect::<String>(),
        );
    }
    text
}

/// Generates a corpus of `shape` from `seed`: the same seed, the same corpus.
pub fn generate(seed: u64, shape: &Shape) -> Corpus {
    let mut rng = Rng::new(seed);
    let n = shape.comments;
    let mut campaigns = Vec::new();
    // What each campaign writes from.
    let mut sources = Vec::new();
    for (k, share) in shape.campaign_shares.iter().enumerate() {
        let members = ((share * n as f64) as usize).max(5);
        let draft = k % DRAFTS.len();
        let kind = if k % 2 == 0 {
            CampaignKind::MailMerge
        } else {
            CampaignKind::Sincere
        };
        let choices: [usize; 10] = std::array::from_fn(|_| rng.below(3));
        let (subject, source) = match kind {
            CampaignKind::MailMerge => template(&mut rng, &DRAFTS[draft], k / 2),
            CampaignKind::Sincere => shared_phrases(&mut rng, &DRAFTS[draft], k / 2),
        };
        // What hard negatives quote: the campaign's text as its members most often write it.
        let quote: String = match kind {
            CampaignKind::MailMerge => source.iter().map(|s| as_written(s, &choices)).collect(),
            CampaignKind::Sincere => source.concat(),
        };
        sources.push((source, choices, subject, quote));
        campaigns.push(Campaign {
            kind,
            draft,
            members,
        });
    }
    let campaign_total: usize = campaigns.iter().map(|c| c.members).sum();
    let negatives = (shape.hard_negatives * n as f64) as usize;
    let duplicates = (shape.duplicates * n as f64) as usize;
    let organic_total = n.saturating_sub(campaign_total + negatives + duplicates);
    // Everything but duplicates, then shuffled into submission order; duplicates follow their
    // originals.
    let mut plan: Vec<Label> = Vec::with_capacity(n);
    for (k, c) in campaigns.iter().enumerate() {
        plan.extend(std::iter::repeat_n(Label::Campaign(k), c.members));
    }
    for i in 0..negatives {
        plan.push(Label::HardNegative(i % campaigns.len().max(1)));
    }
    plan.extend(std::iter::repeat_n(Label::Organic, organic_total));
    for i in (1..plan.len()).rev() {
        let k = rng.below(i + 1);
        plan.swap(i, k);
    }
    let mut comments: Vec<GeneratedComment> = Vec::with_capacity(n);
    let mut duplicates_left = duplicates;
    for label in plan {
        let comment = match label {
            Label::Campaign(k) => {
                let draft = campaigns[k].draft;
                let (source, choices, _, _) = &sources[k];
                let text = match campaigns[k].kind {
                    CampaignKind::MailMerge => {
                        mail_merge(&mut rng, source, choices, &DRAFTS[draft])
                    }
                    CampaignKind::Sincere => sincere(&mut rng, source),
                };
                GeneratedComment {
                    draft,
                    text,
                    clause: format!("第{}条", 3 + k),
                    label,
                }
            }
            Label::HardNegative(k) => {
                let draft = campaigns[k].draft;
                let (_, _, subject, quote) = &sources[k];
                GeneratedComment {
                    draft,
                    text: hard_negative(&mut rng, &DRAFTS[draft], subject, quote),
                    clause: format!("第{}条", 3 + k),
                    label,
                }
            }
            _ => {
                let draft = rng.below(DRAFTS.len());
                GeneratedComment {
                    draft,
                    text: organic(&mut rng, &DRAFTS[draft]),
                    clause: if rng.chance(0.5) {
                        format!("第{}条", 1 + rng.below(30))
                    } else {
                        String::new()
                    },
                    label: Label::Organic,
                }
            }
        };
        comments.push(comment);
        // A retry or a copy, now and then, of any earlier comment.
        if duplicates_left > 0 && rng.chance(duplicates as f64 / n as f64 * 1.05) {
            let of = rng.below(comments.len());
            let original = comments[of].clone();
            comments.push(GeneratedComment {
                label: Label::Duplicate(of),
                ..original
            });
            duplicates_left -= 1;
        }
    }
    Corpus {
        comments,
        campaigns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_corpus_and_the_shape_holds() {
        let shape = Shape::benchmark(20_000);
        let a = generate(7, &shape);
        let b = generate(7, &shape);
        assert_eq!(a.comments.len(), b.comments.len());
        assert!(
            a.comments
                .iter()
                .zip(&b.comments)
                .all(|(x, y)| x.text == y.text)
        );
        assert_ne!(generate(8, &shape).comments[0].text, a.comments[0].text);
        let n = a.comments.len();
        assert!((19_000..=20_500).contains(&n), "{n}");
        for (k, c) in a.campaigns.iter().enumerate() {
            let members = a
                .comments
                .iter()
                .filter(|g| g.label == Label::Campaign(k))
                .count();
            assert_eq!(members, c.members);
            assert!(c.members >= 5);
        }
        assert!(a.campaigns[0].members >= n * 35 / 100);
        for (i, g) in a.comments.iter().enumerate() {
            let chars = g.text.chars().count();
            assert!(chars <= 600, "{chars}");
            if let Label::Duplicate(of) = g.label {
                assert!(of < i);
                assert_eq!(a.comments[of].text, g.text);
            }
            if g.label == Label::Organic {
                assert!(chars >= 20, "{}", g.text);
            }
        }
    }
}
