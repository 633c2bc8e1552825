//! Names of people that a comment states after the words that introduce one (`我叫王小明`,
//! `联系人：李建国`, `我是张秀英，退休教师`).
//!
//! Chinese text has no capital letters or spaces to mark a name, so a name is found only after
//! a cue, as a known surname followed by one or two characters of given name. Cues differ in
//! how surely a name follows: after `我叫` or `联系人` one almost always does, after `我是`
//! or `本人` a name is only one possibility (`我是本小区居民`, `本人认为`), so there the name
//! must also end where a name can end (punctuation, or words such as `住在`, `反映`).

use super::{Folded, Hit, MASK, PersonalInformationKind};

/// Cues after which a name almost always follows: a surname there is masked with up to two
/// characters after it even when the end of the name cannot be told.
const SURE_CUES: &[&str] = &[
    "我的名字是",
    "我的名字叫",
    "联系人姓名",
    "名字叫",
    "名字是",
    "我叫",
    "名叫",
    "联系人",
    "姓名",
    "签名",
    "署名",
    "落款",
    "反映人",
    "投诉人",
    "举报人",
    "来信人",
    "来电人",
    "经办人",
    "报告人",
];

/// Cues after which a name is only one possibility.
const MAYBE_CUES: &[&str] = &["我是", "本人", "市民", "申请人", "——"];

/// Surnames of two characters, tried before single ones (`欧阳` before `欧`).
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "申屠", "澹台", "太史", "万俟",
    "闻人", "赫连", "钟离", "宗政", "濮阳", "单于",
];

/// The most common single surnames, which cover the great majority of people.
const SURNAMES: &str = concat!(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜",
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙",
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳",
    "翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路",
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麻褚娄窦戚岑景党",
    "宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩",
    "明佘池查麦苑迟邝洪丘蔺",
);

/// Surnames that are also everyday words (`本人于上周反映`, `我是全市人民的一员`): after a
/// cue that only may introduce a name they are not taken for one.
const WORDLIKE_SURNAMES: &str = "于和时应向全明成连单路关文万常安高方林边师司车查";

/// Words that begin with a surname but are no name; the second character decides
/// (`我是安置户`, `我是周边居民`, `姓名栏`).
const NOT_NAMES: &[&str] = &[
    "安置", "安全", "安装", "白天", "包括", "边上", "曾经", "常住", "常年", "车主", "成员", "程序",
    "单位", "单元", "东方", "房东", "房主", "方便", "方面", "方式", "高层", "高中", "高校", "高龄",
    "关于", "关心", "和平", "贺卡", "华人", "黄埔", "江边", "金融", "孔子", "雷锋", "黎明", "连续",
    "林业", "龙头", "路边", "路口", "马路", "毛坯", "明确", "宁可", "牛奶", "齐心", "钱款", "全体",
    "全市", "全区", "全县", "任何", "任务", "石材", "时间", "时候", "史上", "司机", "宋体", "孙子",
    "孙女", "田地", "万科", "温度", "文化", "文明", "武警", "夏天", "向阳", "谢谢", "许多", "严重",
    "杨树", "叶子", "应当", "应该", "于是", "余额", "张贴", "章程", "周边", "周围", "周末", "朱红",
    "祝福", "庄严", "邹平", "车位", "车辆", "师生", "景区", "党员", "商户", "商铺", "居民", "沙子",
    "管理", "柴油", "简单", "卫生", "米粉", "古镇", "吉祥", "农民", "农村", "农户", "苗木", "甘蔗",
    "童年", "兰花", "申请", "申报", "秦岭", "齐全", "金额", "龙舟", "宁静", "熊猫", "钟点", "尚未",
    "符合", "舒适", "梅花", "柏油", "宗教", "桂花", "全面", "姜汤", "能否", "冷库", "麦田", "池塘",
    "洪水", "欧洲", "曹操", "项目", "计划", "陆续", "石头", "黄色", "红色", "付款", "付费", "华为",
    "华侨", "易于", "乔木", "庞大", "颜色", "鲁迅", "岳父", "岳母", "殷切", "左右", "左边", "柳树",
    "包装", "纪律", "凌晨", "毕业", "季度", "霍乱", "成本", "成立", "谷歌", "盛情", "曲线", "骆驼",
    "蓝色", "游客", "辛苦", "管道", "蒙古", "华山", "喻体", "祁门", "房屋", "房子", "房价", "房租",
    "屈指", "解决", "解释", "艾滋", "阳光", "阳台", "穆斯", "卓越", "古代", "简易", "项目", "连片",
    "麻烦", "景点", "党委", "宫殿", "费用", "冷水", "席位", "卫星", "宗地", "全部", "全民", "应急",
    "师傅", "沙发", "桑拿", "虞美", "巩固", "明年", "明天", "查询", "查看", "苑区", "迟到", "洪涝",
    "丘陵",
];

/// Words right after a given name that end it: `我是王小明住在…`, `本人王强认为…`.
const AFTER_A_NAME: &[&str] = &[
    "、",
    "是",
    "住",
    "家住",
    "来自",
    "电话",
    "手机",
    "联系",
    "系",
    "今年",
    "现年",
    "年",
    "男",
    "女",
    "的",
    "认为",
    "建议",
    "反映",
    "来电",
    "来信",
    "对",
    "就",
    "想",
    "希望",
    "在",
    "从",
    "也",
    "代表",
    "同志",
    "先生",
    "女士",
    "老师",
    "现",
    "于",
    "向",
    "等",
    "和",
    "与",
    "及",
    "提出",
    "请求",
    "要求",
    "申请",
    "投诉",
    "举报",
    "已",
    "曾",
    "今天",
    "昨天",
    "身份证",
    "因",
];

/// Words after a surname that make a title or a description, not a given name: `王先生`,
/// `李某`, `张家村`.
const NOT_GIVEN_NAMES: &[&str] = &[
    "先生", "女士", "小姐", "老师", "同志", "师傅", "阿姨", "大爷", "大妈", "大姐", "大哥", "某",
    "总", "工", "经理", "主任", "书记", "局长", "科长", "处长", "所长", "队长", "院长", "校长",
    "医生", "律师", "记者", "姓", "家", "氏",
];

/// Characters that end place and organisation names (`黄埔区`, `林业局`), which a given name
/// does not contain.
const PLACE_OR_BODY: &str = "区县市省镇乡村街路巷组社院校司厂局委办队部会楼栋店馆站所科处";

/// The names stated in `folded`, each masked but its surname (`王小明` → `王**`), as
/// surnames are published in Chinese government practice.
pub(super) fn names(folded: &Folded) -> Vec<Hit> {
    let text: Vec<char> = folded.slots.iter().map(|slot| slot.original).collect();
    let mut hits = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let Some((mut at, sure)) = cue_at(&text, i) else {
            i += 1;
            continue;
        };
        i += 1;
        // A sure cue may introduce a list: `署名：褚卫、朱文斌、简文军等`.
        while let Some((surname, given)) = name_at(&text, at, sure) {
            let mut replacement: String = text
                .get(surname.clone())
                .unwrap_or_default()
                .iter()
                .collect();
            replacement.extend(std::iter::repeat_n(MASK, given.len()));
            hits.push(Hit {
                kind: PersonalInformationKind::Name,
                chars: surname.start..given.end,
                replacement,
            });
            i = given.end;
            if !sure || text.get(given.end) != Some(&'、') {
                break;
            }
            at = given.end + 1;
        }
    }
    hits
}

fn starts_with(text: &[char], at: usize, word: &str) -> bool {
    (at..)
        .zip(word.chars())
        .all(|(i, c)| text.get(i) == Some(&c))
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The position after a cue at `at` (and after a `：`, a space, `为` or `是` following it),
/// and whether the cue is a sure one.
/// Whether a cue may begin with `c`: most characters begin none, and this one comparison
/// spares trying every cue at every character (the name scan was half of a comment's masking).
fn may_begin_cue(c: char) -> bool {
    matches!(
        c,
        '我' | '联'
            | '名'
            | '姓'
            | '签'
            | '署'
            | '落'
            | '反'
            | '投'
            | '举'
            | '来'
            | '经'
            | '报'
            | '本'
            | '市'
            | '申'
            | '—'
    )
}

fn cue_at(text: &[char], at: usize) -> Option<(usize, bool)> {
    if !text.get(at).is_some_and(|&c| may_begin_cue(c)) {
        return None;
    }
    let (cue, sure) = SURE_CUES
        .iter()
        .map(|cue| (cue, true))
        .chain(MAYBE_CUES.iter().map(|cue| (cue, false)))
        .find(|(cue, _)| starts_with(text, at, cue))?;
    let mut after = at + cue.chars().count();
    if sure && matches!(text.get(after), Some('为' | '是')) {
        after += 1;
    }
    while matches!(
        text.get(after),
        Some(':' | '：' | ' ' | '\u{3000}' | '"' | '“' | '「')
    ) {
        after += 1;
    }
    Some((after, sure))
}

/// The surname and given name of a name beginning at `at`, as character ranges.
fn name_at(
    text: &[char],
    at: usize,
    sure: bool,
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let surname_len = if COMPOUND_SURNAMES
        .iter()
        .any(|surname| starts_with(text, at, surname))
    {
        2
    } else {
        let first = *text.get(at)?;
        if !SURNAMES.contains(first) || (!sure && WORDLIKE_SURNAMES.contains(first)) {
            return None;
        }
        1
    };
    let given_from = at + surname_len;
    if NOT_NAMES.iter().any(|word| starts_with(text, at, word))
        || NOT_GIVEN_NAMES
            .iter()
            .any(|word| starts_with(text, given_from, word))
    {
        return None;
    }
    // Up to two characters of given name, none of them ending a place or an organisation.
    let available = text
        .get(given_from..)
        .unwrap_or_default()
        .iter()
        .take(2)
        .take_while(|&&c| is_han(c) && !PLACE_OR_BODY.contains(c))
        .count();
    let ends_a_name = |end: usize| {
        text.get(end).is_none_or(|&c| !is_han(c))
            || AFTER_A_NAME.iter().any(|word| starts_with(text, end, word))
    };
    let given_len = (1..=available)
        .rev()
        .find(|&len| ends_a_name(given_from + len))
        .or_else(|| (sure && available > 0).then_some(available))?;
    Some((at..given_from, given_from..given_from + given_len))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_cue_begins_with_a_character_the_quick_check_lets_through() {
        for cue in super::SURE_CUES.iter().chain(super::MAYBE_CUES) {
            let first = cue.chars().next().unwrap();
            assert!(super::may_begin_cue(first), "{cue}");
        }
    }
}
