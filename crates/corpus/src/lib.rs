//! A labelled corpus of comments on draft decisions, generated from a seed, for measuring how
//! well near-duplicate clustering finds campaigns: several drafts; organic comments of 20-600
//! characters; mail-merge campaigns (one template, synonyms swapped, personal sentences added,
//! sentences reordered, clauses dropped or inserted, numbers, punctuation and width changed,
//! look-alike and same-sound typos, some traditional characters) and sincere ones (people
//! restating one demand in their own words around shared phrases), of very different sizes;
//! hard negatives (the same clause and keywords, the opposite opinion, some quoting a campaign
//! to rebut it); and exact duplicates (retries and copies). Every comment carries its label.

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

const OPENERS: [&str; 12] = [
    "我是本市一名普通市民，",
    "作为一名在此工作多年的职工，",
    "我家住在城东，",
    "本人从事个体经营十余年，",
    "我们小区很多居民反映，",
    "作为退休教师，",
    "我是一名外卖骑手，",
    "我在开发区一家企业上班，",
    "作为人大代表，",
    "我父母年纪大了，",
    "我是一名大学生，",
    "我们公司有三十多名员工，",
];
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
const CONNECTORS: [&str; 8] = [
    "同时，",
    "另外，",
    "此外，",
    "而且",
    "因此",
    "具体来说，",
    "我觉得",
    "说实话，",
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

/// Everyday words people put in their own sentences.
const WORDS: [&str; 161] = [
    "早上",
    "晚上",
    "周末",
    "孩子",
    "老人",
    "邻居",
    "同事",
    "单位",
    "学校",
    "医院",
    "菜市场",
    "超市",
    "银行",
    "公园",
    "路口",
    "桥下",
    "门口",
    "楼下",
    "附近",
    "对面",
    "排队",
    "等车",
    "下雨",
    "冬天",
    "夏天",
    "晚高峰",
    "早高峰",
    "节假日",
    "开车",
    "骑车",
    "步行",
    "打车",
    "收入",
    "工资",
    "房租",
    "物价",
    "开销",
    "成本",
    "利润",
    "订单",
    "客户",
    "员工",
    "工人",
    "师傅",
    "老板",
    "会计",
    "律师",
    "医生",
    "护士",
    "老师",
    "学生",
    "家长",
    "司机",
    "保安",
    "清洁工",
    "志愿者",
    "网格员",
    "街道",
    "社区",
    "村委会",
    "派出所",
    "窗口",
    "热线",
    "手机",
    "网站",
    "小程序",
    "二维码",
    "现金",
    "发票",
    "合同",
    "证明",
    "盖章",
    "复印件",
    "原件",
    "系统",
    "流程",
    "时间",
    "地点",
    "距离",
    "费用",
    "标准",
    "数量",
    "质量",
    "效率",
    "态度",
    "服务",
    "安全",
    "卫生",
    "噪音",
    "灰尘",
    "气味",
    "灯光",
    "台阶",
    "坡道",
    "电梯",
    "楼梯",
    "车位",
    "围墙",
    "绿地",
    "树木",
    "道路",
    "井盖",
    "路灯",
    "站台",
    "座椅",
    "雨棚",
    "厕所",
    "方便",
    "麻烦",
    "困难",
    "辛苦",
    "着急",
    "担心",
    "满意",
    "失望",
    "理解",
    "支持",
    "反对",
    "赞成",
    "疑问",
    "建议",
    "期待",
    "习惯",
    "改变",
    "坚持",
    "放弃",
    "解决",
    "拖延",
    "推诿",
    "检查",
    "通知",
    "公告",
    "宣传",
    "培训",
    "试点",
    "推广",
    "落实",
    "监督",
    "考核",
    "反馈",
    "投诉",
    "咨询",
    "登记",
    "预约",
    "办理",
    "审核",
    "批准",
    "拒绝",
    "退回",
    "补交",
    "变更",
    "一次",
    "两次",
    "多次",
    "每天",
    "每月",
    "去年",
    "今年",
    "明年",
    "以前",
    "现在",
];

/// A sentence in a person's own words: a few everyday words in a loose frame.
fn own_words(rng: &mut Rng) -> String {
    let w: [&str; 5] = std::array::from_fn(|_| rng.pick(&WORDS));
    match rng.below(6) {
        0 => format!("{}{}的时候{}{}很{}。", w[0], w[1], w[2], w[3], w[4]),
        1 => format!("我们{}经常{}，{}和{}都{}。", w[0], w[1], w[2], w[3], w[4]),
        2 => format!("{}那边的{}，{}以后{}就{}了。", w[0], w[1], w[2], w[3], w[4]),
        3 => format!("说到{}，{}{}，{}也{}。", w[0], w[1], w[2], w[3], w[4]),
        4 => format!("{}要{}，{}要{}，不能只看{}。", w[0], w[1], w[2], w[3], w[4]),
        _ => format!(
            "{}{}{}年，{}{}。",
            w[0],
            w[1],
            2 + rng.below(20),
            w[2],
            w[3]
        ),
    }
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
    if rng.chance(0.4) {
        text.push_str(rng.pick(&OPENERS));
    }
    // Each person says at least one thing in words of their own.
    text.push_str(&own_words(rng));
    while text.chars().count() < target {
        let subject = rng.pick(draft.subjects);
        if rng.chance(0.6) {
            text.push_str(&own_words(rng));
            continue;
        }
        let sentence = match rng.below(5) {
            0 => format!(
                "关于{subject}，{}，因为{}。",
                rng.pick(draft.demands),
                rng.pick(draft.reasons)
            ),
            1 => format!(
                "{}，所以{subject}{}。",
                rng.pick(draft.reasons),
                rng.pick(draft.demands)
            ),
            2 => format!("{}{}", rng.pick(&CONNECTORS), own_words(rng)),
            3 => format!(
                "{subject}方面{}，{}。",
                rng.pick(draft.demands),
                rng.pick(&FILLERS)
            ),
            _ => format!(
                "第{}条中{subject}的规定{}，{}。",
                1 + rng.below(30),
                rng.pick(draft.demands),
                rng.pick(draft.reasons)
            ),
        };
        text.push_str(&sentence);
    }
    if rng.chance(0.3) {
        text.push_str(rng.pick(&CLOSERS));
    }
    text.chars().take(600).collect()
}

/// A mail-merge campaign's template: sentences of its own, each with synonym slots `{k}`.
fn template(rng: &mut Rng, draft: &Draft) -> Vec<String> {
    let subject = rng.pick(draft.subjects);
    let reason = rng.pick(draft.reasons);
    let slot = |rng: &mut Rng| format!("{{{}}}", rng.below(SYNONYMS.len()));
    let mut sentences = vec![format!(
        "{}对{subject}的规定作出{}，{}。",
        slot(rng),
        slot(rng),
        rng.pick(draft.demands)
    )];
    for _ in 0..3 + rng.below(3) {
        let words = own_words(rng);
        let cut = words.chars().count() / 2;
        let (head, tail): (String, String) = (
            words.chars().take(cut).collect(),
            words.chars().skip(cut).collect(),
        );
        sentences.push(format!("{head}{}{tail}", slot(rng)));
    }
    sentences.push(format!(
        "目前{reason}，建议{}执行期限至{}个月。",
        slot(rng),
        3 + rng.below(10)
    ));
    sentences
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
        text.push_str(rng.pick(&OPENERS));
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

/// A sincere campaign: the phrases its members share, slogans of the campaign's own.
fn shared_phrases(rng: &mut Rng, draft: &Draft) -> Vec<String> {
    let subject = rng.pick(draft.subjects);
    let slogan = |rng: &mut Rng| {
        let w: [&str; 3] = std::array::from_fn(|_| rng.pick(&WORDS));
        format!("{}{}{}", w[0], w[1], w[2])
    };
    vec![
        format!("{subject}{}", slogan(rng)),
        format!("{}{}", slogan(rng), slogan(rng)),
        format!("{}就是{}", slogan(rng), subject),
    ]
}

/// A sincere member: the shared phrases (two or three of them) in words of its own.
fn sincere(rng: &mut Rng, phrases: &[String]) -> String {
    let own = [
        "我认为",
        "我们家的情况是",
        "说句心里话，",
        "大家都觉得",
        "我个人觉得",
        "真心希望",
        "我想说",
        "一句话：",
    ];
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
            text.push_str(rng.pick(&own));
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
fn hard_negative(rng: &mut Rng, draft: &Draft, quote: &str) -> String {
    let subject = rng.pick(draft.subjects);
    let mut text = String::new();
    if rng.chance(0.5) {
        let q: String = quote.chars().take(12 + rng.below(10)).collect();
        text.push_str(&format!("有人提出“{q}”，我不同意。"));
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
        let source = match kind {
            CampaignKind::MailMerge => template(&mut rng, &DRAFTS[draft]),
            CampaignKind::Sincere => shared_phrases(&mut rng, &DRAFTS[draft]),
        };
        sources.push((source, choices));
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
                let (source, choices) = &sources[k];
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
                let quote = sources[k].0.concat().replace(['{', '}'], "");
                GeneratedComment {
                    draft,
                    text: hard_negative(&mut rng, &DRAFTS[draft], &quote),
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
