#!/usr/bin/env python3
"""gen_rules.py -- writes the default rule packs rules/*.rules from the term
lists in this file.

The packs are what ships (the engine reads rules/*.rules, never this
script); the script exists so that large, regular families of rules (brand x
counterfeit word, for example) stay consistent, and so that a reviewer can
see every term, its severity, its action and its legal basis in one place.

    python3 scripts/gen_rules.py            # rewrite rules/*.rules
    python3 scripts/gen_rules.py --check    # exit 1 if rules/ is stale

Rule ids are stable: each term list is numbered in order, so add new terms
at the END of a list (or give them a new list) and never reuse a number;
brand rules are keyed by the brand's slug and the counterfeit word's code.

Short English words that occur inside longer ones (meth in method, ak47,
mlm) go in rules with `boundary word`; phone-number patterns use `boundary
digit` (see docs/RULES.md): a hit touched by such a character in the
original text does not count.  A literal whose doubled letter is what
makes it specific (weed, which normalises to wed; AAA, to a) can say
`repeat required`: a hit then counts only if one of its characters came
from a collapsed run in the original text.

Two things the generator does for every pack:
  * most-specific wins: when a rule's literal occurs inside a literal of
    another rule of the same category with the same or a stronger action
    (最 inside 最佳, 高仿 inside LV高仿), the longer literal becomes an
    `allow` of the shorter rule, so a text yields the specific hit only;
  * lint: ids unique, every rule has a basis, no literal is empty after an
    approximation of the engine's normalisation, no duplicate literal.
"""
import os
import re
import sys
import unicodedata

VERSION = "2026.11.28"
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "rules")

SEV = ("low", "medium", "high", "critical")
ACT = ("log", "review", "block")

# ---- legal bases ----------------------------------------------------------
M21 = "《网络直播营销管理办法（试行）》第十八条"
M26 = "《直播电商监督管理办法》"
B = {
    "absolute": "《广告法》第九条第（三）项；市场监管总局《广告绝对化用语执法指南》；" + M26 + "第三十五条",
    "medical": "《广告法》第十六条第一款第（一）（二）项、第十七条、第十八条；《广告绝对化用语执法指南》第十一条",
    "health": "《广告法》第十七条、第十八条第一款第（二）项；" + M26 + "第三十四条",
    "education": "《广告法》第二十四条第（一）项；《广告绝对化用语执法指南》第十一条第（三）项",
    "counterfeit": "《商标法》第五十七条；《产品质量法》第五条；《电子商务法》第四十一条、第四十五条；"
                   + M21 + "第（三）项；" + M26 + "第三十三条第（二）项",
    "gambling": "《刑法》第三百零三条；《网络信息内容生态治理规定》第六条；" + M21 + "第（七）项",
    "lottery": "《彩票管理条例》第四条；《刑法》第三百零三条；" + M21 + "第（七）项",
    "pyramid": "《禁止传销条例》第七条；《刑法》第二百二十四条之一；" + M21 + "第（七）项",
    "fraud": "《刑法》第二百六十六条；《反电信网络诈骗法》；" + M21 + "第（七）项",
    "invest": "《广告法》第二十五条第（一）项；《刑法》第二百六十六条；" + M21 + "第（七）项",
    "cards": "《反电信网络诈骗法》第三十一条；《刑法》第二百八十七条之二；" + M21 + "第（七）项",
    "fake_data": "《电子商务法》第十七条；" + M21 + "第（四）项；" + M26 + "第三十四条、第四十四条",
    "reviews": "《电子商务法》第十七条、第三十九条；" + M26 + "第三十一条、第三十四条",
    "guns": "《枪支管理法》第三条；《刑法》第一百二十五条、第一百二十八条；" + M21 + "第（七）项；"
            + M26 + "第三十三条第（三）项",
    "explosives": "《民用爆炸物品安全管理条例》；《刑法》第一百二十五条；" + M21 + "第（七）项",
    "knives": "公安部《管制刀具认定标准》；《刑法》第一百三十条；" + M21 + "第（七）项；"
              + M26 + "第三十三条第（三）项",
    "drugs": "《刑法》第三百四十七条；《禁毒法》；" + M21 + "第（七）项；" + M26 + "第三十三条第（三）项",
    "documents": "《刑法》第二百八十条、第二百八十条之一；" + M21 + "第（七）项",
    "invoices": "《刑法》第二百零五条之一、第二百零九条；《发票管理办法》；" + M21 + "第（七）项",
    "spy": "《刑法》第二百八十三条；《治安管理处罚法》（2012年修正）第四十二条第（六）项；" + M21 + "第（七）项",
    "exam": "《刑法》第二百八十四条之一；" + M21 + "第（七）项",
    "personal_data": "《刑法》第二百五十三条之一；《个人信息保护法》第十条；" + M21 + "第（七）项",
    "wildlife": "《野生动物保护法》；《刑法》第三百四十一条；" + M26 + "第三十三条第（三）项",
    "contact": M21 + "第（五）项；" + M26 + "第三十一条第二款；平台规则：禁止引导站外交易、私下交易",
    "contact_phone": M21 + "第（五）项；" + M26 + "第三十一条第二款；《个人信息保护法》第十条；"
                     "平台规则：禁止在直播间发布联系方式引导站外交易",
    "insult": "《民法典》第一千零二十四条；《治安管理处罚法》（2012年修正）第四十二条第（二）项；" + M21 + "第（六）项",
    "currency": "《刑法》第一百七十二条（持有、使用假币）；《中国人民银行法》第十九条；" + M21 + "第（七）项",
    "threat": "《治安管理处罚法》（2012年修正）第四十二条第（一）项；《民法典》第一千零二十四条；" + M21 + "第（六）项",
    "doxxing": "《个人信息保护法》第十条；《治安管理处罚法》（2012年修正）第四十二条第（六）项；" + M21 + "第（六）项",
    "slur": "《治安管理处罚法》（2012年修正）第四十七条；《民法典》第一千零二十四条；" + M21 + "第（六）项",
    "defamation": M26 + "第三十六条；《反不正当竞争法》（商业诋毁）；《民法典》第一千零二十四条",
}

# ---- normalisation (an approximation of src/text, for the lint and for the
# most-specific-wins step only; the engine normalises the real thing) -------
_NUM = {"〇": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
        "七": "7", "八": "8", "九": "9", "两": "2", "幺": "1", "壹": "1", "贰": "2", "叁": "3",
        "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9"}


def approx_norm(s):
    out = []
    for ch in unicodedata.normalize("NFKC", s).lower():
        cat = unicodedata.category(ch)
        if ch.isspace() or cat[0] in "PSZC":
            continue
        ch = _NUM.get(ch, ch)
        if out and out[-1] == ch and not ch.isdigit():
            continue
        out.append(ch)
    return "".join(out)


# ---- pack model -------------------------------------------------------------
# Sub-labels: the category of a hit is the pack's family (absolute_claim,
# counterfeit, gambling, pyramid, fraud, contraband, contact, harassment);
# the finer label is written as a comment and, where one family has several,
# as a code inside the rule id (CTB-WPN-0001 is a weapons rule).
SUBCODE = {
    "scam": "SCM", "investment": "INV", "card_trading": "CRD", "fake_data": "FAK",
    "review_manipulation": "REV", "weapons": "WPN", "explosives": "EXP", "knives": "KNF",
    "drugs": "DRG", "documents": "DOC", "invoices": "TAX", "surveillance": "SPY",
    "exam_cheating": "EXM", "personal_data": "PII", "wildlife": "WLD", "insult": "INS",
    "threat": "THR", "doxxing": "DOX", "slur": "SLR", "defamation": "DEF", "contact_details": "PAT",
    "counterfeit_currency": "MONEY", "sexual_harassment": "SEX",
}


class Rule:
    def __init__(self, rid, label, severity, action, basis, literals=(), patterns=(),
                 allows=(), exempt=(), note=None, boundary=None, repeat=False):
        assert severity in SEV and action in ACT, (rid, severity, action)
        self.id, self.label, self.severity, self.action = rid, label, severity, action
        self.category = None  # set by Pack.add
        self.basis, self.note = basis, note
        self.literals, self.patterns = list(literals), list(patterns)
        self.allows, self.exempt = list(allows), list(exempt)
        assert boundary in (None, "word", "digit"), (rid, boundary)
        self.boundary = boundary
        self.repeat = repeat


class Pack:
    def __init__(self, name, category, title, intro):
        self.name, self.category, self.title, self.intro = name, category, title, intro
        self.rules, self.contexts, self.domains = [], [], []

    def add(self, rule):
        rule.category = self.category
        # 帐 is written for 账 (帐户, 帐号, 转帐), and OpenCC's t2s turns
        # 帳 into 帐: a literal with 账 also matches its 帐 form
        for field in ("literals", "allows"):
            have = getattr(rule, field)
            have += [x.replace("账", "帐") for x in have if "账" in x and x.replace("账", "帐") not in have]
        self.rules.append(rule)
        return rule

    def family(self, prefix, label, basis, terms, severity, action, exempt=(), start=1):
        """terms: a list of str, or (literal or [literals], dict(overrides)).
        Ids are PREFIX-NNNN, or PREFIX-SUB-NNNN for labels in SUBCODE."""
        head = prefix + ("-" + SUBCODE[label] if label in SUBCODE else "")
        for i, t in enumerate(terms, start):
            self.add(self.term_rule("%s-%04d" % (head, i), t, label, basis, severity, action, exempt))

    def more(self, prefix, sub, label, basis, terms, severity, action, exempt=(), boundary=None):
        """A family added after the first release: ids PREFIX-SUB-NNNN, so the
        older ids never move.  terms as in family(); an empty literal makes
        a rule of patterns only."""
        for i, t in enumerate(terms, 1):
            self.add(self.term_rule("%s-%s-%04d" % (prefix, sub, i), t, label, basis, severity,
                                    action, exempt, boundary))

    @staticmethod
    def term_rule(rid, t, label, basis, severity, action, exempt, boundary=None):
        opts = {}
        if isinstance(t, tuple):
            t, opts = t
        lits = ([t] if t else []) if isinstance(t, str) else list(t)
        return Rule(rid, opts.get("label", label), opts.get("severity", severity),
                    opts.get("action", action), opts.get("basis", basis), lits,
                    opts.get("patterns", ()), opts.get("allow", ()), opts.get("exempt", exempt),
                    opts.get("note"), opts.get("boundary", boundary), opts.get("repeat", False))


def most_specific_wins(pack):
    strength = {a: i for i, a in enumerate(ACT)}
    owners = {}  # normalised literal -> rules that have it
    for r in pack.rules:
        for l in r.literals:
            owners.setdefault(approx_norm(l), []).append(r)
    for r in pack.rules:
        r._have = {approx_norm(a) for a in r.allows} | {approx_norm(l) for l in r.literals}
    for o in pack.rules:
        for lit in o.literals:
            nl = approx_norm(lit)
            subs = {nl[i:j] for i in range(len(nl)) for j in range(i + 1, len(nl) + 1)} - {nl}
            for sub in sorted(subs):
                for r in owners.get(sub, ()):
                    if r is o or strength[o.action] < strength[r.action] or nl in r._have:
                        continue
                    r.allows.append(lit)
                    r._have.add(nl)


SHORT_OK = {"最"}  # single-character literals that are meant


def lint(packs):
    ids, problems = {}, []
    for p in packs:
        ctx = {c[0] for c in p.contexts}
        lit_owner = {}
        for r in p.rules:
            if not re.fullmatch(r"[A-Z0-9-]+", r.id):
                problems.append("bad id " + r.id)
            if r.id in ids:
                problems.append("duplicate id %s (%s, %s)" % (r.id, ids[r.id], p.name))
            ids[r.id] = p.name
            if not r.basis:
                problems.append(r.id + ": no basis")
            if not (r.literals or r.patterns):
                problems.append(r.id + ": nothing to match")
            seen = set()
            for l in r.literals + r.allows:
                n = approx_norm(l)
                if not n:
                    problems.append("%s: %r is empty after normalisation" % (r.id, l))
                if "#" in l:
                    problems.append("%s: %r contains '#', a comment" % (r.id, l))
                if len(n) < 2 and n not in SHORT_OK:
                    problems.append("%s: %r normalises to %r, too short to mean anything" % (r.id, l, n))
            for l in r.literals:
                n = approx_norm(l)
                if n in seen:
                    problems.append("%s: duplicate literal %r" % (r.id, l))
                seen.add(n)
                if lit_owner.get(n, r.id) != r.id:
                    problems.append("%s: literal %r is also in %s" % (r.id, l, lit_owner[n]))
                lit_owner[n] = r.id
            for e in r.exempt:
                if e not in ctx:
                    problems.append("%s: unknown context %s" % (r.id, e))
    return problems


def render(p):
    out = []
    w = out.append
    w("# %s -- %s" % (p.name + ".rules", p.title))
    w("#")
    for line in p.intro.strip().splitlines():
        w(("# " + line).rstrip())
    w("#")
    w("# GENERATED by scripts/gen_rules.py: edit the term lists there, then run it.")
    w("")
    w("pack " + p.name)
    w("version " + VERSION)
    for name, effect, window, comment, cues in p.contexts:
        w("")
        w("# " + comment)
        w("context " + name)
        w("effect " + effect)
        w("window %d" % window)
        for c in cues:
            w("cue " + c)
    for name, comment, cues in p.domains:
        w("")
        w("# " + comment)
        w("domain " + name)
        for c in cues:
            w("cue " + c)
    for r in p.rules:
        w("")
        w("# " + r.label + (": " + r.note if r.note else ""))
        w("rule " + r.id)
        w("category " + r.category)
        w("severity " + r.severity)
        w("action " + r.action)
        w("basis " + r.basis)
        for l in r.literals:
            w("literal " + l)
        for pat in r.patterns:
            w("pattern " + pat)
        for a in r.allows:
            w("allow " + a)
        if r.boundary:
            w("boundary " + r.boundary)
        if r.repeat:
            w("repeat required")
        for e in r.exempt:
            w("exempt " + e)
    return "\n".join(out) + "\n"


# =============================================================================
# 1. absolute claims (广告法 第九条第三项) and guaranteed-effect claims
# =============================================================================
def absolute_claims():
    p = Pack("absolute_claims", "absolute_claim", "absolute terms in advertising, and guaranteed-effect claims", """
Advertising Law Art. 9(3) bans 国家级, 最高级, 最佳 and terms of the same or
similar meaning in advertisements; a host recommending goods in their own
name is advertising (直播电商监督管理办法 Art. 35).  SAMR's 广告绝对化用语
执法指南 (2023) lists where such a term is not misleading: self-comparison,
usage tips, standard grades, trademarks and product names, official awards,
and facts limited in time or region.  Those are the contexts below.  Its
Art. 11 says medical, health-food, investment and education advertising is
never a minor case: in those domains (the `domain` blocks) no context
exempts.  Guaranteed-effect claims in medicine and education are separate
rules that block (Advertising Law Arts. 16-18 and 24).""")
    p.contexts = [
        ("self_comparison", "cancel", 12,
         "指南第六条第（一）项: comparing the seller's own products (比上一代最好)",
         ["比上一代", "比上代", "比老款", "比旧款", "比以前", "比之前", "相比上一代", "较上一代",
          "比上一款", "比前代", "历代", "全店", "店里所有", "本店所有", "我们家所有", "自家产品中",
          "本品牌中", "同系列中", "本系列中", "这个系列里", "所有款里", "几款里", "几款中"]),
        ("usage_tip", "cancel", 6,
         "指南第六条第（二）项: use, time and storage tips (最佳食用期, 最好冷藏)",
         ["食用", "饮用", "使用方法", "使用时间", "保存", "储存", "存放", "赏味期", "保质期",
          "冷藏", "冷冻", "冲泡", "浸泡", "佩戴", "睡前", "饭后", "饭前", "晾干", "清洗"]),
        ("standard_grade", "lower", 10,
         "指南第六条第（三）项: grades defined by a national, trade or local standard",
         ["国家标准", "国标", "行业标准", "地方标准", "GB/T", "标准等级", "等级划分", "分级标准",
          "质量等级"]),
        ("trademark", "cancel", 8,
         "指南第六条第（四）项: a product name, model, registered trademark or patent",
         ["商标", "注册商标", "品牌名", "型号", "款名", "产品名称", "商品名称", "系列名", "专利名称"]),
        ("official_award", "cancel", 12,
         "指南第六条第（五）项: awards and titles granted under state rules",
         ["荣获", "获评", "评为", "授予", "颁发", "称号", "认定为", "入选", "非物质文化遗产", "非遗",
          "中华老字号", "获奖", "奖项"]),
        ("time_or_region_limited", "lower", 16,
         "指南第六条第（六）项: a fact stated for a given time or region (still to be verified: lower, not cancel)",
         ["年度", "季度", "本月", "上月", "当月", "今年", "去年", "前年", "上半年", "下半年", "截至",
          "截止", "期间", "月榜", "周榜", "日榜", "年榜", "本市", "本省", "全省", "全市", "本地区",
          "区域内", "据统计", "数据来源", "统计数据"]),
    ]
    p.domains = [
        ("medical", "指南第十一条第（一）项: medicine, medical devices, medical beauty",
         ["治疗", "治愈", "疗效", "药品", "药物", "医院", "医疗", "病症", "疾病", "处方", "医疗器械",
          "医美", "医疗美容", "整形", "癌症", "肿瘤", "糖尿病", "高血压", "消炎", "中药", "西药",
          "偏方", "秘方", "疗程", "康复", "手术", "诊所", "特殊医学用途", "cure", "treatment",
          "medicine", "disease"]),
        ("health_food", "指南第十一条第（一）项: health food and formula for special medical purposes",
         ["保健食品", "保健品", "蓝帽子", "增强免疫力", "免疫力", "调节血糖", "降血脂", "改善睡眠",
          "抗疲劳", "营养补充剂", "膳食补充剂", "特医食品", "抗衰老", "延缓衰老", "supplement"]),
        ("investment", "指南第十一条第（二）项: investment returns and safety",
         ["投资", "理财", "收益率", "年化", "回报率", "招商", "加盟", "分红", "股票", "基金", "期货",
          "外汇", "数字货币", "虚拟币", "比特币", "原始股", "理财产品", "investment", "returns"]),
        ("education", "指南第十一条第（三）项: education and training",
         ["培训", "课程", "辅导", "补习", "考试", "考证", "考研", "高考", "中考", "升学", "提分",
          "名师", "学历", "学位", "教育机构", "网课", "题库", "押题", "tutoring", "course"]),
    ]
    ex = [c[0] for c in p.contexts]
    # The bare 最 and 第一: the most common absolute words, with the everyday
    # words that contain them allowed.
    zui_allow = ["最近", "最后", "最初", "最终", "最早", "最晚", "最迟", "最起码", "最少要", "至少",
                 "最多可", "最多限", "每人最多", "最多拍", "最多买", "最多下单", "最多抢", "最多拿", "最多只能", "最好是", "最好先", "最好不要", "最好别",
                 "最好还是", "最爱", "最喜欢", "最新款", "最新版", "最新消息", "最新一期", "最快明天",
                 "最快今天", "最快当天", "最高可", "最高减", "最高立减", "最大限度", "最关键的是",
                 "最重要的是", "最主要的是"]
    diyi_allow = ["第一次", "第一时间", "第一步", "第一天", "第一个", "第一件", "第一单", "第一批",
                  "第一眼", "第一期", "第一集", "第一位", "第一波", "第一轮", "第一口", "第一章",
                  "第一款", "第一排", "第一季度", "第一印象", "第一感觉", "第一条", "第一点", "第一层",
                  "第一道", "第一套", "第一场", "第一周", "第一年", "第一件事", "第一部分",
                  # a viewer shouting that they were first ("第一第一！抢到了")
                  "第一第一", "抢第一", "抢到第一"] + \
                 ["第1%d" % d for d in range(10)]
    # a purchase limit: 最多两件, 最多3单 (最多拍, 最多买 above)
    zui_allow += ["最多%s%s" % (n, u) for n in "123456789" for u in "件单份个"]
    p.add(Rule("ABS-0001", "absolute", "medium", "review", B["absolute"], ["最"],
               allows=zui_allow, exempt=ex, note="the bare 最: every 最X not listed below"))
    p.add(Rule("ABS-0002", "absolute", "medium", "review", B["absolute"], ["第一"],
               allows=diyi_allow, exempt=ex, note="the bare 第一, with ordinals and 第10-第19 allowed"))
    zui = ["最佳", "最好", "最强", "最优", "最优秀", "最高级", "最高档", "最先进", "最大", "最低价",
           "最便宜", "最划算", "最安全", "最健康", "最有效", "最顶级", "最权威", "最正宗", "最专业",
           "最受欢迎", "最畅销", "最火", "最热销", "最低", "最高", "最全", "最纯", "最牛", "最棒",
           "最时尚", "最流行", "最科学", "最环保", "最舒适", "最耐用", "最值得", "最靠谱", "最实惠",
           "最完美", "最顶尖", "最先", "最精致", "最奢华", "最稀有", "最珍贵", "最省钱", "最省心"]
    allow_for = {"最佳": ["最佳拍档", "最佳赏味期", "最佳食用期", "最佳饮用期"],
                 "最好": ["最好是", "最好先", "最好不要", "最好别", "最好还是"],
                 "最高": ["最高可", "最高减", "最高立减", "最高气温", "最高温"],
                 "最低": ["最低气温", "最低温"],  # weather: 最低气温零下五度
                 "最大": ["最大限度"],
                 "最先": ["最先到", "最先下单"]}
    terms = [(z, {"allow": allow_for.get(z, ())}) for z in zui]
    p.family("ABS", "absolute", B["absolute"], terms, "medium", "review", ex, start=3)
    n = 3 + len(terms)
    other = [
        "全网第一", "全国第一", "全球第一", "世界第一", "销量第一", "排名第一", "行业第一",
        "中国第一", "天下第一", "第一品牌", "NO.1", "TOP1", "唯一", "独一无二", "仅此一家",
        "国家级", "国家级产品", "世界级", "全球级", "宇宙级", "国际级", "最高级别", "顶级", "顶尖",
        "极品", "极致", "至尊", "至臻", "巅峰", "王牌", "领袖品牌", "领导品牌", "世界领先",
        "全球领先", "遥遥领先", "绝无仅有", "史无前例", "前无古人", "万能", "首个", "首家", "首创",
        "首选", "金牌", "销量冠军", "冠军产品", "史上最低价", "全网最低", "全网最低价", "全网独家",
        "独家配方", "100%纯天然", "百分百有效", "秒杀全网", "吊打", "无敌", "第一名",
        "绝对正品", "零差评",
    ]
    digits_after = lambda base: [base + "1%d" % d for d in range(10)]
    other_allow = {"唯一": ["唯一的区别", "唯一的缺点", "唯一的问题"],
                   "万能": ["万能胶", "万能表", "万能充", "万能钥匙"],
                   "极致": ["极致性价比"],
                   "首个": [],
                   "顶级": [],
                   "无敌": ["无敌了", "无敌可爱"],
                   "NO.1": digits_after("no"),
                   "TOP1": digits_after("top"),
                   "第一名": ["第一名下单", "第一名拍下"]}
    p.family("ABS", "absolute", B["absolute"],
             [(t, {"allow": other_allow.get(t, ())}) for t in other], "medium", "review", ex, start=n)
    n += len(other)
    english = [
        "best ever", "the best", "world's best", "world's first", "best in the world", "best in class",
        "number one", "number 1", "no. 1 brand", "unbeatable", "unrivaled", "unmatched",
        "the ultimate", "lowest price ever", "lowest price", "cheapest", "highest quality",
        "finest quality", "best-selling", "most effective", "most advanced", "state-level",
        "national-level", "world-class", "best quality", "perfect product",
        "second to none", "best price guaranteed",
    ]
    en_allow = {"the best": ["all the best", "do the best", "try the best", "the best way to"],
                "number 1": ["number 1%d" % d for d in range(10)]}
    p.family("ABS", "absolute", B["absolute"],
             [(t, {"allow": en_allow.get(t, ())}) for t in english], "medium", "review", ex, start=n)
    n += len(english)
    # guaranteed efficacy (绝对有效, 百分之百有保证, 100%有效) and ranked best
    # sellers: absolute terms of the same meaning (广告法 第九条第三项)
    sure = ["绝对有效", "绝对不反弹", "永不反弹", "百分之百有效", "百分之百有保证", "效果百分之百",
            ("保证有效", {"allow": ["保证有效期"]}), ("100%有效", {"allow": ["100%有效期", "满100%有效"]}), "绝对管用", "绝对见效",
            ("1 best seller", {"boundary": "word", "note": "#1 best seller ('#' is noise)"}),
            "no.1 best seller", "number one best seller"]
    p.family("ABS", "absolute", B["absolute"], [t if isinstance(t, tuple) else (t, {}) for t in sure],
             "medium", "review", ex, start=n)
    # Guaranteed effect: medicine and health food (block; never exempt).
    medical = [
        "根治", "药到病除", "包治百病", "永不复发", "无副作用", "零副作用", "治愈率", "百分百治愈",
        "保证治愈", "包治", "祖传秘方", "神药", "一针见效", "一次见效", "无效退款", "药效最好",
        "疗效最佳", "彻底治愈", "专治", "特效药", "替代药物", "停药", "不用吃药", "三天见效",
        "七天见效", "立即见效", "guaranteed cure", "miracle cure", "cures cancer",
        "no side effects", "100% cure", "permanent cure", "cures everything",
    ]
    med_opts = {"专治": {"allow": ["专治各种不服"]},
                "停药": {"severity": "high", "action": "review"},
                "不用吃药": {"severity": "high", "action": "review"},
                "替代药物": {"severity": "high", "action": "review"}}
    p.family("MED", "medical_claim", B["medical"], [(t, med_opts.get(t, {})) for t in medical],
             "critical", "block")
    health = ["抗癌", "防癌", "治癌", "降血糖", "降三高", "治糖尿病", "治高血压", "排毒养颜", "降血压",
              "增强免疫力", "提高免疫力", "预防疾病", "治失眠", "壮阳", "补肾壮阳", "减肥药", "溶脂",
              "排宿便", "清除血栓", "软化血管", "抗病毒", "prevents cancer", "boosts immunity",
              "lowers blood sugar", "detox tea"]
    p.family("HLT", "health_claim", B["health"], health, "high", "review")
    edu = ["包过", "保过", "保证通过", "不过退款", "不过全额退款", "100%通过", "稳过", "押题命中",
           "保录取", "保证录取", "保分", "提分保证", "包拿证", "包就业", "保就业", "考试包过",
           "guaranteed pass", "pass guaranteed", "guaranteed admission", "100% pass rate"]
    edu_allow = {"保分": ["保分数"], "稳过": []}
    p.family("EDU", "education_claim", B["education"],
             [(t, {"allow": edu_allow.get(t, ())}) for t in edu], "high", "block")
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("ABS", "PY", "absolute", B["absolute"],
           ["zuidi", "zuidijia", "quanwangzuidi", "hangyediyi", "diyipinpai", "quanqiudiyi", "guojiaji",
            "shijieji", "dingji", "zuijia", "wanneng", "jipin"], "medium", "review",
           exempt=ex, boundary="word")
    return p


# =============================================================================
# 2. counterfeit and IP infringement
# =============================================================================
# (Chinese name, Latin names..., slug) -- slug keys the rule id.
BRANDS = [
    ("路易威登", ["lv", "louis vuitton"], "LV"), ("古驰", ["gucci"], "GUCCI"),
    ("香奈儿", ["chanel"], "CHANEL"), ("爱马仕", ["hermes"], "HERMES"), ("普拉达", ["prada"], "PRADA"),
    ("迪奥", ["dior"], "DIOR"), ("巴宝莉", ["burberry"], "BURBERRY"), ("范思哲", ["versace"], "VERSACE"),
    ("芬迪", ["fendi"], "FENDI"), ("圣罗兰", ["ysl", "saint laurent"], "YSL"),
    ("巴黎世家", ["balenciaga"], "BALENCIAGA"), ("葆蝶家", ["bottega veneta"], "BOTTEGA"),
    ("纪梵希", ["givenchy"], "GIVENCHY"), ("华伦天奴", ["valentino"], "VALENTINO"),
    ("罗意威", ["loewe"], "LOEWE"), ("思琳", ["celine"], "CELINE"), ("缪缪", ["miu miu"], "MIUMIU"),
    ("蔻驰", ["coach"], "COACH"), ("迈克高仕", ["michael kors"], "MK"),
    ("菲拉格慕", ["ferragamo"], "FERRAGAMO"), ("宝格丽", ["bvlgari", "bulgari"], "BVLGARI"),
    ("卡地亚", ["cartier"], "CARTIER"), ("蒂芙尼", ["tiffany"], "TIFFANY"),
    ("梵克雅宝", ["van cleef"], "VCA"), ("劳力士", ["rolex"], "ROLEX"), ("欧米茄", ["omega"], "OMEGA"),
    ("百达翡丽", ["patek philippe"], "PATEK"), ("爱彼", ["audemars piguet"], "AP"),
    ("江诗丹顿", ["vacheron constantin"], "VACHERON"), ("积家", ["jaeger-lecoultre"], "JLC"),
    ("浪琴", ["longines"], "LONGINES"), ("天梭", ["tissot"], "TISSOT"), ("万国表", ["iwc"], "IWC"),
    ("卡西欧", ["casio"], "CASIO"), ("理查德米勒", ["richard mille"], "RM"),
    ("沛纳海", ["panerai"], "PANERAI"), ("宇舶", ["hublot"], "HUBLOT"),
    ("泰格豪雅", ["tag heuer"], "TAGHEUER"), ("耐克", ["nike"], "NIKE"),
    ("阿迪达斯", ["adidas"], "ADIDAS"), ("彪马", ["puma"], "PUMA"), ("新百伦", ["new balance"], "NB"),
    ("匡威", ["converse"], "CONVERSE"), ("万斯", ["vans"], "VANS"), ("亚瑟士", ["asics"], "ASICS"),
    ("安德玛", ["under armour"], "UA"), ("斐乐", ["fila"], "FILA"), ("北面", ["the north face"], "TNF"),
    ("始祖鸟", ["arcteryx"], "ARCTERYX"), ("加拿大鹅", ["canada goose"], "CANADAGOOSE"),
    ("盟可睐", ["moncler"], "MONCLER"), ("石头岛", ["stone island"], "STONEISLAND"),
    ("拉夫劳伦", ["ralph lauren"], "RALPH"), ("汤米希尔费格", ["tommy hilfiger"], "TOMMY"),
    ("卡尔文克莱恩", ["calvin klein"], "CK"), ("阿玛尼", ["armani"], "ARMANI"),
    ("乔丹", ["air jordan", "jordan"], "JORDAN"), ("椰子鞋", ["yeezy"], "YEEZY"), ("苹果手机", ["iphone"], "IPHONE"),
    ("华为", ["huawei"], "HUAWEI"), ("三星", ["samsung"], "SAMSUNG"), ("小米", ["xiaomi"], "XIAOMI"),
    ("索尼", ["sony"], "SONY"), ("戴森", ["dyson"], "DYSON"), ("大疆", ["dji"], "DJI"),
    ("任天堂", ["nintendo"], "NINTENDO"), ("雅诗兰黛", ["estee lauder"], "ESTEE"),
    ("兰蔻", ["lancome"], "LANCOME"), ("海蓝之谜", ["la mer"], "LAMER"), ("娇兰", ["guerlain"], "GUERLAIN"),
    ("魅可", ["mac lipstick"], "MAC"), ("资生堂", ["shiseido"], "SHISEIDO"), ("SK-II", ["sk2"], "SKII"),
    ("赫莲娜", ["helena rubinstein"], "HR"), ("汤姆福特", ["tom ford"], "TOMFORD"),
    ("祖玛珑", ["jo malone"], "JOMALONE"), ("雪花秀", ["sulwhasoo"], "SULWHASOO"),
    ("欧莱雅", ["loreal"], "LOREAL"), ("科颜氏", ["kiehls"], "KIEHLS"), ("倩碧", ["clinique"], "CLINIQUE"),
    ("植村秀", ["shu uemura"], "SHUUEMURA"), ("茅台", ["moutai"], "MOUTAI"),
    ("五粮液", ["wuliangye"], "WULIANGYE"), ("拉菲", ["lafite"], "LAFITE"),
    ("轩尼诗", ["hennessy"], "HENNESSY"), ("人头马", ["remy martin"], "REMY"),
    ("马爹利", ["martell"], "MARTELL"), ("万宝龙", ["montblanc"], "MONTBLANC"),
    ("雷朋", ["ray-ban"], "RAYBAN"), ("施华洛世奇", ["swarovski"], "SWAROVSKI"),
    ("潘多拉", ["pandora"], "PANDORA"), ("周大福", ["chow tai fook"], "CTF"),
    ("老凤祥", ["laofengxiang"], "LAOFENGXIANG"), ("周生生", ["chow sang sang"], "CSS"),
    ("宝马", ["bmw"], "BMW"), ("奔驰", ["mercedes"], "BENZ"), ("保时捷", ["porsche"], "PORSCHE"),
    ("法拉利", ["ferrari"], "FERRARI"), ("兰博基尼", ["lamborghini"], "LAMBORGHINI"),
    ("乐高", ["lego"], "LEGO"), ("迪士尼", ["disney"], "DISNEY"), ("泡泡玛特", ["pop mart"], "POPMART"),
    ("佳能", ["canon"], "CANON"), ("尼康", ["nikon"], "NIKON"), ("博世", ["bosch"], "BOSCH"),
    ("飞利浦", ["philips"], "PHILIPS"), ("松下", ["panasonic"], "PANASONIC"), ("美的电器", ["midea"], "MIDEA"),
    ("格力", ["gree"], "GREE"), ("海尔", ["haier"], "HAIER"), ("李宁", ["li-ning"], "LINING"),
    ("安踏", ["anta"], "ANTA"), ("特步", ["xtep"], "XTEP"), ("波司登", ["bosideng"], "BOSIDENG"),
    ("优衣库", ["uniqlo"], "UNIQLO"), ("无印良品", ["muji"], "MUJI"), ("飒拉", ["zara"], "ZARA"),
    ("斯沃琪", ["swatch"], "SWATCH"), ("美度", ["mido"], "MIDO"), ("马汀博士", ["dr. martens"], "DRMARTENS"),
    ("雅培", ["abbott"], "ABBOTT"), ("美赞臣", ["mead johnson"], "MEADJOHNSON"), ("惠氏", ["wyeth"], "WYETH"),
    ("爱他美", ["aptamil"], "APTAMIL"), ("飞鹤", ["feihe"], "FEIHE"), ("同仁堂", ["tongrentang"], "TONGRENTANG"),
    ("云南白药", ["yunnan baiyao"], "YNBY"), ("片仔癀", ["pien tze huang"], "PTH"),
    ("东阿阿胶", ["dong-e-e-jiao"], "DEEJ"), ("燕之屋", ["yanzhiwu"], "YANZHIWU"),
    ("路虎", ["land rover"], "LANDROVER"), ("杰尼亚", ["zegna"], "ZEGNA"),
    ("萧邦", ["chopard"], "CHOPARD"), ("宝珀", ["blancpain"], "BLANCPAIN"), ("帝舵", ["tudor"], "TUDOR"),
    ("名士表", ["baume mercier"], "BAUME"), ("芝柏", ["girard-perregaux"], "GP"),
    ("伯爵", ["piaget"], "PIAGET"), ("宝玑", ["breguet"], "BREGUET"), ("格拉苏蒂", ["glashutte"], "GLASHUTTE"),
    ("朗格", ["a. lange"], "LANGE"), ("真力时", ["zenith"], "ZENITH"), ("百年灵", ["breitling"], "BREITLING"),
    ("苹果耳机", ["airpods"], "AIRPODS"), ("苹果手表", ["apple watch"], "APPLEWATCH"),
]
# (code, Chinese words) for the brand rules; the English rule is separate.
CF_WORDS = [
    ("GF", "高仿", ["高仿"]),
    ("AH", "A货", ["A货", "超A"]),
    ("FK", "复刻", ["复刻"]),
    ("JF", "精仿", ["精仿", "仿款"]),
    ("YD", "原单", ["原单", "原单尾货"]),
]


def counterfeit():
    p = Pack("counterfeit", "counterfeit", "counterfeit goods and trademark infringement", """
Selling counterfeit or IP-infringing goods is a red line (网络直播营销管理办法
Art. 18(3), 直播电商监督管理办法 Art. 33(2)); using another's registered mark on
the same goods infringes it (商标法 Art. 57), and platforms must act on
infringement they know of (电子商务法 Arts. 41, 45).  Generic counterfeit
jargon (高仿, A货, 复刻, 莆田, 1:1) is one family; brand x jargon combinations
are another, one rule per brand and word, so a hit names the brand (useful
for the rights holder's notice).  Review, not block: the jargon also has
innocent uses (an official 复刻 re-issue, a 原单号 order number).""")
    generic = [
        ("高仿", {"allow": ["高仿真"], "note": "高仿真 (lifelike artificial plants, models) is allowed"}),
        ("A货", {}), ("超A", {}), ("精仿", {}), ("高精仿", {}),
        ("原单", {"allow": ["原单号", "原单据", "原单价"]}),
        ("复刻", {"allow": ["官方复刻", "复刻经典", "经典复刻", "品牌复刻", "复刻版游戏"]}),
        ("1比1", {"note": "1:1 alone would normalise to 11 (':' is noise), so it is written 1比1 (一比一 folds to it)"}),
        ("1:1复刻", {}), ("1:1原版", {}), ("仿品", {}), ("仿牌", {}), ("山寨", {"allow": ["山寨村", "山寨主"]}),
        ("假名牌", {}), ("莆田鞋", {}), ("莆田货", {}), ("莆田版", {}), ("莆田工厂", {}), ("莆田纯原", {}),
        ("纯原", {"allow": ["纯原味", "纯原生", "纯原汁", "纯原浆", "纯原木", "纯原色"]}),
        ("公司级", {"allow": ["公司级别"]}), ("过验", {"allow": ["过验证"]}), ("专柜品质", {}),
        ("原厂代工", {}), ("尾单", {}),
        ("顶级复刻", {}), ("原版复刻", {}), ("一比一复刻", {}), ("正品原单", {}), ("海关罚没", {}),
        ("大牌平替高仿", {}), ("仿大牌", {}), ("假冒名牌", {}),
        ("replica", {}), ("fake designer", {}), ("1:1 copy", {}), ("knockoff", {}), ("counterfeit", {}),
        ("mirror quality", {}), ("super fake", {}), ("fake watch", {}), ("fake bag", {}),
        ("fake shoes", {}), ("first copy", {}), ("master copy", {}), ("unauthorized copy", {}),
        ("bootleg", {}),
        ("super clone", {}), ("clone watch", {}), ("clone bag", {}), ("clone shoes", {}),
        ("clone sneakers", {}),
        # super copy; AAA grade (AAA folds to a, so the doubled letter must be
        # there: "a grade" and "such a quality" are English)
        ("super copy", {}), ("aaa grade", {"boundary": "word", "repeat": True}),
        ("aaa quality", {"boundary": "word", "repeat": True}),
        ("aaa copy", {"boundary": "word", "repeat": True}),
    ]
    generic[7] = ("1比1", dict(generic[7][1], exempt=["score_or_ratio"]))
    p.contexts = [
        ("score_or_ratio", "cancel", 4,
         "一比一 as a score or a mixing ratio (上半场一比一, 和水一比一混合), not a 1:1 copy",
         ["比分", "上半场", "下半场", "全场", "打成", "战平", "混合", "稀释", "兑水", "和水", "加水",
          "配比", "比例", "调配", "勾兑"]),
    ]
    p.family("CF", "jargon", B["counterfeit"], generic, "high", "review")
    for cn, latins, slug in BRANDS:
        for code, label, words in CF_WORDS:
            lits = []
            for w in words:
                for name in [cn] + latins:
                    lits += [name + w, w + name]
            # dedupe, keep order
            seen, uniq = set(), []
            for l in lits:
                k = approx_norm(l)
                if k not in seen:
                    seen.add(k)
                    uniq.append(l)
            p.add(Rule("CF-%s-%s" % (slug, code), "brand", "high", "review",
                       B["counterfeit"], uniq, note="%s x %s" % (cn, label)))
        en = []
        for l in latins:
            en += ["replica " + l, l + " replica", "fake " + l, l + " knockoff", "knockoff " + l,
                   "1:1 " + l]
        seen, uniq = set(), []
        for l in en:
            k = approx_norm(l)
            if k not in seen:
                seen.add(k)
                uniq.append(l)
        p.add(Rule("CF-%s-EN" % slug, "brand", "high", "review", B["counterfeit"], uniq,
                   note="%s in English" % cn))
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("CF", "PY", "jargon", B["counterfeit"],
           ["gaofang", "fuke", "ahuo", "yuandanhuo", "fangpai", "duiban", "jingfang", "fangkuan",
            "chaoa", "gongchangfuke"], "high", "review", boundary="word")
    # a copy named as such (这是某牌的仿款)
    p.more("CF", "MORE", "jargon", B["counterfeit"], ["仿款", "仿版", "山寨版"], "high", "review")
    return p


# =============================================================================
# 3. gambling
# =============================================================================
def gambling():
    p = Pack("gambling", "gambling", "gambling and illegal lotteries", """
Gambling, running a gambling venue, and promoting either are crimes
(刑法 Art. 303) and red lines in live commerce (网络直播营销管理办法
Art. 18(7)); lottery tickets may only be sold through licensed channels
(彩票管理条例 Art. 4), so "代购彩票" in a live room is an illegal lottery.
Block.""")
    zh = [
        "赌博", "博彩", "下注", "赌球", "百家乐", "时时彩", "澳门赌场", "网赌", "赌场", "赌钱", "赌资",
        "开设赌场", "六合彩", "地下六合彩", "私彩", "外围赌球", "买球", "押注", "押大小", "赌大小",
        "老虎机", "德州扑克现金局", "现金局", "棋牌赢钱", "真人荷官", "荷官发牌", "线上娱乐城",
        "娱乐城", "送彩金", "彩金活动", "充值返水", "返水", "赔率", "菠菜网站", "菠菜平台",
        "幸运飞艇", "北京赛车", "PK10", "江苏快三", "炸金花赢钱", "牛牛赢钱", "轮盘赌", "骰宝", "赌马",
        "威尼斯人娱乐", "葡京娱乐", "金沙娱乐", "太阳城娱乐", "亚博体育", "开元棋牌", "bet365",
        "皇冠体育", "捕鱼赢钱", "上分下分", "上下分", "网上赌", "赌博网站", "赌博平台", "赌徒",
        "带你赢钱", "稳赢计划", "计划群", "出款秒到", "提款秒到",
    ]
    zh_opts = {"买球": {"allow": ["买球鞋", "买球拍", "买球衣", "买球票", "买球杆", "买球星卡"]},
               "北京赛车": {"allow": ["北京赛车场"]},
               "赔率": {"severity": "high", "action": "review"},
               "赌徒": {"severity": "medium", "action": "review"},
               "下注": {"severity": "high",
                      "allow": ["下注意", "下注明", "下注册", "下注释"]}}  # 以下注意事项
    p.family("GAM", "gambling", B["gambling"], [(t, zh_opts.get(t, {})) for t in zh],
             "critical", "block")
    lottery = ["代购彩票", "彩票代购", "私人彩票", "网上买彩票", "彩票投注站代买", "合买彩票"]
    p.family("LOT", "illegal_lottery", B["lottery"], lottery, "high", "block")
    en = ["casino", "online casino", "betting", "bet now", "place your bets", "sports betting",
          "sportsbook", "baccarat", "roulette", "slot machine", "poker for money", "gambling",
          "bookie", "wager", "live dealer", "free spins", "deposit bonus", "parlay"]
    p.family("GAM", "gambling", B["gambling"], en, "critical", "block", start=len(zh) + 1)
    # live-casino jargon ("AG真人视讯") and English slot ads
    more = ["真人视讯", "ag真人", "真人娱乐场", "online slots", "slots bonus", "real money slots"]
    p.family("GAM", "gambling", B["gambling"], more, "critical", "block",
             start=len(zh) + len(en) + 1)
    # BC (博彩) platforms, real-money games (真钱局), and slots or poker
    # played for money; bare "slots" reviews (time slots, card slots)
    slots_allow = ["time slots", "card slots", "slots left", "slots available", "memory slots",
                   "sd card slots", "slots remaining", "delivery slots", "booking slots"]
    money = [("bc平台", {"boundary": "word"}), ("bc网站", {"boundary": "word"}),
             ("bc娱乐", {"boundary": "word"}), "真钱局", "真钱棋牌", "真钱游戏", "真钱扑克",
             "for real money", "real money poker", "play slots", "play poker for money",
             ("slots", {"boundary": "word", "severity": "high", "action": "review",
                        "allow": slots_allow})]
    p.family("GAM", "gambling", B["gambling"], [t if isinstance(t, tuple) else (t, {}) for t in money],
             "critical", "block", start=len(zh) + len(en) + len(more) + 1)
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("GAM", "PY", "gambling", B["gambling"],
           ["baijiale", "xiazhu", "duchang", "dubo", "bocai", "zhenrenheguan", "shangfenxiafen", "shangxiafen",
            "longhudou", "duqiu", "touzhu"], "critical", "block", boundary="word")
    return p


# =============================================================================
# 4. pyramid selling
# =============================================================================
def pyramid():
    p = Pack("pyramid", "pyramid", "pyramid selling (传销)", """
禁止传销条例 Art. 7 defines pyramid selling by its mechanics: paying to join
(入门费), rewards for recruiting (拉人头, 发展下线) and pay computed on the
downline (团队计酬); organising it is a crime (刑法 Art. 224-1).  The terms
below are those mechanics and the jargon of known schemes.  Block.""")
    zh = [
        "拉人头", "发展下线", "下线提成", "入门费", "静态收益", "动态收益", "层级返利", "多层级返利",
        "团队计酬", "拉人入会", "资本运作", "1040工程", "五级三晋", "上线下线", "下线越多",
        "报单费", "会员费返利", "直推奖", "见点奖", "对碰奖", "层碰奖", "太阳线", "双轨制奖金",
        "人传人", "复投", "排单", "互助盘", "资金盘", "拆分盘", "静态钱包", "动态钱包", "矿机收益",
        "拉新返佣无上限", "推荐越多赚越多", "躺赚", "裂变收益", "无限代", "三级分销", "伞下业绩",
        "代理费返还", "交钱入会", "招募下线", "团队奖", "市场补贴", "传销",
    ]
    zh_opts = {"三级分销": {"severity": "high", "action": "review",
                         "note": "three-level distribution is lawful below three levels: review"},
               "复投": {"allow": ["复投资"]},
               "团队奖": {"severity": "high", "action": "review"},
               "市场补贴": {"severity": "medium", "action": "review"},
               "传销": {"severity": "high", "action": "review", "allow": ["反传销", "打击传销", "举报传销"],
                      "note": "the word itself reviews: a buyer may be the one saying it"}}
    p.family("PYR", "pyramid_selling", B["pyramid"], [(t, zh_opts.get(t, {})) for t in zh],
             "critical", "block")
    en = ["pyramid scheme", "ponzi scheme", "ponzi", "recruit your friends and earn", "downline",
          "upline bonus", "entry fee to join", "joining fee", "binary plan", "matrix plan",
          "multi-level marketing", "mlm opportunity", "passive income guaranteed", "recruitment bonus"]
    en_opts = {"multi-level marketing": {"severity": "high", "action": "review"}}
    p.family("PYR", "pyramid_selling", B["pyramid"], [(t, en_opts.get(t, {})) for t in en],
             "critical", "block", start=len(zh) + 1)
    n = len(zh) + len(en) + 1
    # recruiting N people to get the entry fee back (拉够三个人就回本), in
    # Chinese and English; "mlm" alone only as a word (not inside a longer one)
    p.add(Rule("PYR-%04d" % n, "pyramid_selling", "critical", "block", B["pyramid"],
               ["拉人回本", "拉人就回本"],
               patterns=[r"拉够?\d{1,2}个人就?回本", r"拉够?\d{1,2}个就?回本",
                         r"recruit\d{1,2}friend", r"recruit\d{1,2}people"],
               note="recruit N people to recoup the fee"))
    p.add(Rule("PYR-%04d" % (n + 1), "pyramid_selling", "high", "review", B["pyramid"],
               ["mlm", "mlm team"], boundary="word", note="multi-level marketing, abbreviated"))
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("PYR", "PY", "pyramid_selling", B["pyramid"],
           ["larentou", "xiaxian", "fazhanxiaxian", "ruhuifei", "rumenfei", "chuanxiao", "cengjifanli",
            "zijinpan", "tuanduijichou"], "critical", "block", boundary="word")
    # paying to join and pay by level (入会费, 三级分佣, 层层返利)
    p.more("PYR", "MORE", "pyramid_selling", B["pyramid"],
           ["入会费", "层层返利", "层层返佣", "多级分佣", "多级返利",
            ("发展代理", {"severity": "high", "action": "review",
                      "note": "recruiting agents is also lawful distribution: review"}),
            ("分佣层级", {"patterns": [r"\d%s%s" % (lv, pay) for lv in ("级", "层", "代", "level", "levels")
                                   for pay in ("返利", "返佣", "分佣", "提成", "分润")]})],
           "critical", "block")
    return p


# =============================================================================
# 5. fraud, fake returns, account trading, fake data
# =============================================================================
def fraud():
    p = Pack("fraud", "fraud", "fraud, guaranteed-return investment claims, card trading and fake data", """
Fraud (刑法 Art. 266) and the telecom-fraud supply chain: renting or selling
bank cards, phone cards and accounts (反电信网络诈骗法 Art. 31; 刑法
Art. 287-2).  Investment promotion must not promise returns or safety of
principal (广告法 Art. 25).  Faking sales, followers, views or reviews is
forbidden (电子商务法 Art. 17; 网络直播营销管理办法 Art. 18(4); 直播电商监督
管理办法 Arts. 34, 44).  Block, except review-solicitation terms.""")
    scam = ["刷单", "刷单返利", "刷单兼职", "返利诈骗", "日赚千元", "日入过万", "躺着赚钱", "一本万利",
            "内幕消息", "内部渠道", "带单", "喊单", "杀猪盘", "验证码发我", "把验证码告诉我",
            "退款理赔", "安全账户", "先交保证金", "解冻费", "刷信誉", "私下转账", "网贷口子",
            "黑户贷款", "征信修复", "洗白征信", "花呗套现", "信用卡套现", "白条套现", "套现秒到",
            "中奖了请", "领取奖金需", "注销校园贷", "兼职打字", "点赞兼职", "做任务赚佣金",
            "垫付", "刷流水",
            "get rich quick", "send me the code", "pay with gift cards", "crypto giveaway", "task scam",
            # advance fees for a prize, gift-card payment, phishing, order brushing
            "先交手续费", "先付手续费", "手续费才能领", "手续费才能发", "领奖需先交", "领奖要先交",
            "send a gift card", "send gift cards", "release your prize", "bank pin", "enter your pin",
            "click this link to claim", "brushing orders", "order brushing", "brush orders",
            # refund phishing asking for a verification code or card PIN
            "提供验证码", "银行卡验证码", "退款并提供", "card pin",
            # the cash-app or money flip (send 50, get 500 back)
            "cash app flip", "money flip", "flip your money", "flip your cash"]
    scam_allow = {"带单": ["带单品"], "垫付": ["运费垫付", "垫付运费"]}
    p.contexts = [
        ("anti_fraud_notice", "cancel", 8,
         "a warning that quotes the scam (防骗提醒：凡是让你私下转账的都是骗子)",
         ["防骗", "防诈", "谨防", "警惕", "反诈", "切勿", "千万不要", "凡是让你", "凡是要你", "提防",
          # "do not give anyone the code": a warning about the phishing terms
          "不要提供", "请勿提供", "不要向", "不要告诉", "不要透露", "不会索要", "不会向你索要",
          "不要私下", "别私下", "勿私下", "不要转账", "别转账"]),
    ]
    p.family("FRD", "scam", B["fraud"], [(t, {"allow": scam_allow.get(t, ())}) for t in scam],
             "critical", "block", exempt=["anti_fraud_notice"])
    n_scam = len(scam)
    invest = ["稳赚不赔", "保本高收益", "保本保息", "高额回报", "无风险高收益", "零风险", "稳赚", "包赚",
              "保赚", "翻倍收益", "收益翻倍", "保本", "保收益", "荐股", "原始股", "年化收益保证",
              "月息", "日息", "投资翻倍", "稳定收益无风险",
              "guaranteed returns", "risk-free profit", "risk free investment", "double your money",
              "guaranteed profit", "no risk high return"]
    invest_opts = {"保本": {"allow": ["保本金", "保本价"]}, "零风险": {"allow": ["零风险试用"]},
                   "月息": {"severity": "high", "action": "review"},
                   "日息": {"severity": "high", "action": "review"}}
    p.family("FRD", "investment", B["invest"], [(t, invest_opts.get(t, {})) for t in invest],
             "critical", "block")
    cards = ["跑分", "收购银行卡", "出租银行卡", "出售银行卡", "收卡", "两卡", "收购电话卡", "出租微信号",
             "买卖微信号", "代实名", "代认证", "刷脸认证兼职", "出租收款码", "收购对公账户", "出租支付宝",
             "u商", "承兑商", "洗钱", "money mule", "rent your bank account"]
    cards_allow = {"收卡": ["收卡片", "收卡包"], "跑分": ["跑分软件测试", "安兔兔跑分", "跑分成绩"],
                   "两卡": ["两卡槽", "两卡两待", "两卡一卡"], "洗钱": ["反洗钱"]}
    p.family("FRD", "card_trading", B["cards"],
             [(t, {"allow": cards_allow.get(t, ())}) for t in cards], "critical", "block")
    fake = ["刷粉", "买粉", "刷赞", "刷流量", "刷播放", "刷销量", "刷好评", "刷评论", "代刷", "僵尸粉",
            "刷人气", "刷在线", "机器人刷", "刷数据", "刷单平台", "刷关注", "刷收藏",
            "click farm", "buy followers", "buy likes", "fake reviews"]
    p.family("FRD", "fake_data", B["fake_data"], fake, "high", "block")
    reviews = ["好评返现", "五星好评返现", "晒图返现", "删差评", "差评删除", "控评", "追评返现", "给好评返",
               "five star review refund"]
    p.family("FRD", "review_manipulation", B["reviews"], reviews, "medium", "review")
    # a flip written as amounts: send 50 get 500, 转50回500
    p.add(Rule("FRD-SCM-%04d" % (n_scam + 1), "scam", "critical", "block", B["fraud"],
               patterns=[r"send\d{1,5}get\d{2,6}", r"转\d{1,5}回\d{2,6}"],
               note="money flip: send a little, get ten times back", exempt=["anti_fraud_notice"]))
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("FRD", "PY", "scam", B["fraud"],
           ["wenzhuanbupei", "wenzhuan", "shuadan", "shuadanfanli", "shazhupan", "paofen", "baobenbaoxi"],
           "critical", "block", exempt=["anti_fraud_notice"], boundary="word")
    # an advance fee before a prize or a refund (先付99元手续费就发货), and
    # money sent to "unfreeze" or "activate" an account
    p.more("FRD", "MORE", "scam", B["fraud"],
           ["转账解冻", "解冻奖金", "激活账户", "转账激活", "先转账",
            ("先付费领奖", {"patterns": [r"先%s\d{1,6}元?%s" % (v, fee) for v in ("付", "交", "转")
                                    for fee in ("手续费", "保证金", "激活费", "解冻费", "税费", "邮费")]
                                   + [r"先转账?\d{1,6}元?%s" % w for w in ("解冻", "激活")]})],
           "critical", "block", exempt=["anti_fraud_notice"])
    return p


# =============================================================================
# 6. contraband
# =============================================================================
def contraband():
    p = Pack("contraband", "contraband", "contraband and controlled goods", """
Goods whose sale is a crime or is banned: firearms and ammunition (枪支管理法
Art. 3; 刑法 Arts. 125, 128), explosives, controlled knives, drugs (刑法
Art. 347), forged certificates (刑法 Art. 280), invoices (刑法 Arts. 205-1,
209), covert surveillance devices (刑法 Art. 283), exam-cheating kit (刑法
Art. 284-1), personal data (刑法 Art. 253-1; 个人信息保护法 Art. 10) and
protected wildlife (刑法 Art. 341).  All are red lines (网络直播营销管理办法
Art. 18(7); 直播电商监督管理办法 Art. 33(3)).  Block.""")
    groups = [
        ("CTB", "weapons", "guns", "critical", [
            "枪支", "仿真枪", ("气枪", {"allow": ["打气枪", "吹气枪", "充气枪", "风气枪"]}), "猎枪",
            ("手枪", {"allow": ["手枪钻"]}), "步枪", "霰弹枪",
            "狙击枪", "冲锋枪", "弹药", ("子弹", {"allow": ["子弹头列车", "子弹短信", "子弹笔记", "子弹杯",
                                                    "子弹时间", "子弹头"]}),
            "枪管", "撞针", "钢珠枪", "麻醉枪", "电击枪", "电击器", "电棍", "弓弩", "弩箭", "军用弩",
            "气狗", "打鸟枪", "火药枪", "枪模配件", "组装枪", ("真枪", {"allow": ["真枪实弹"]}), "买枪",
            "卖枪", ("枪械", {"severity": "high", "action": "review"}),
            "gun for sale", "firearms", "ammunition", "ammo for sale", "ghost gun", "stun gun",
            ("ak47", {"boundary": "word"}), "guns and ammo", "guns for sale", "ammo and guns"]),
        ("CTB", "explosives", "explosives", "critical", [
            ("火药", {"allow": ["火药味", "火药桶"]}), "黑火药", "炸药", "雷管", "导火索", "爆炸物", "土炸弹", "硝铵", "TNT炸药", "自制炸弹",
            "explosives", "detonator", "pipe bomb"]),
        ("CTB", "knives", "knives", "high", [
            "管制刀具", "弹簧刀", "三棱刀", "三棱刮刀", "军刺", ("匕首", {"allow": ["匕首皮肤"]}), "蝴蝶刀",
            "跳刀", "自动刀", "双刃刀", "switchblade", "butterfly knife", "balisong"]),
        ("CTB", "drugs", "drugs", "critical", [
            "毒品", "冰毒", ("大麻", {"allow": ["大麻花", "工业大麻", "大麻籽油"]}), "海洛因", "摇头丸",
            "K粉", "氯胺酮", "麻古", "可卡因", "芬太尼", "鸦片", "罂粟壳", "大麻油", "大麻种子", "大麻叶",
            "笑气", "听话水", "迷药", "迷幻药", "迷情药", "催情药", "春药", "GHB", "三唑仑", "合成大麻素",
            "上头电子烟", "飞叶子", "嗨药", "LSD", "致幻蘑菇", "甲基苯丙胺", "γ-羟丁酸",
            "crystal meth", "cocaine", "heroin for sale", "buy heroin", "fentanyl", "mdma", "ecstasy pills",
            "ketamine", "marijuana", "cannabis for sale", "weed for sale", "magic mushrooms",
            "date rape drug", ("meth", {"boundary": "word"}), "weed gummies", "weed edibles",
            "weed vape", "buy weed", "weed delivery", "thc gummies", "thc vape",
            # bare weed: normalised "wed", so the doubled e must be there
            # (not "we'd", "Wed"); gardening reviews are allowed
            ("weed", {"boundary": "word", "repeat": True, "severity": "high", "action": "review",
                      "allow": ["weed killer", "weed control", "weed barrier", "weed puller",
                                "weed trimmer", "weed eater", "weed whacker", "weed block",
                                "weed mat", "weed fabric", "weed remover", "weed cutter"]})]),
        ("CTB", "documents", "documents", "critical", [
            "假证", ("办证", {"allow": ["办证大厅", "办证中心", "办证窗口", "办证流程"]}), "假身份证",
            "假文凭", "假学历", "假毕业证", "代办学历", "买学历", "假驾照", "假护照", "私刻公章", "刻公章",
            "假公章", "假结婚证", "假离婚证", "假房产证", "假病历", "假诊断证明", "代办假证",
            "fake id", "fake passport", "fake diploma", "fake degree", "forged documents",
            # 办理各类证件, 身份证驾驶证学历证都能做
            ("各类证件", {"allow": ["各类证件照"]}), "证件代办", "代办证件", "证都能做", "证件都能做"]),
        ("CTB", "invoices", "invoices", "critical", [
            "代开发票", "发票代开", "代开增值税发票", "虚开发票", "出售发票", "假发票", "买发票", "真票代开",
            "代开专票", "有票出售", "fake invoice"]),
        ("CTB", "surveillance", "spy", "high", [
            "窃听器", "针孔摄像头", "偷拍神器", "偷拍设备", "隐形摄像头", "透视眼镜", "伪基站", "偷装定位器",
            "手机监听", "远程监控他人手机", "spy camera", "hidden camera", "phone tapping"]),
        ("CTB", "exam_cheating", "exam", "critical", [
            "作弊耳机", "出售考试答案", "考试答案出售", "出售答案", "考前答案", "替考", "枪手代考", "作弊器",
            "exam answers for sale"]),
        ("CTB", "personal_data", "personal_data", "critical", [
            "出售个人信息", "个人信息出售", "社工库", "开房记录", "查开房", "户籍查询", "身份证照片出售",
            "出售公民信息", "查通话记录", "手机号定位", "查人定位", "银行卡四件套",
            "doxxing service", "selling personal data"]),
        ("CTB", "wildlife", "wildlife", "high", [
            ("象牙", {"allow": ["象牙白", "象牙色", "象牙塔", "象牙黄", "仿象牙", "象牙果"]}), "犀牛角",
            "穿山甲", "虎骨", ("玳瑁", {"allow": ["玳瑁色", "玳瑁纹", "仿玳瑁", "玳瑁框"]}), "红珊瑚",
            "藏羚羊绒", "沙图什", ("熊掌", {"allow": ["熊掌号"]}), "犀角", "real ivory", "ivory carving",
            "rhino horn", "pangolin", "tiger bone"]),
    ]
    for prefix, label, basis, severity, terms in groups:
        p.family(prefix, label, B[basis], terms, severity, "block")
    # counterfeit money (刑法 Art. 172)
    p.more("CTB", "MONEY", "counterfeit_currency", B["currency"],
           ["假币", "假钞", "高仿币", "仿真币", "冥币当真", "counterfeit money", "fake banknotes"],
           "critical", "block")
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("CTB", "PY", "contraband", B["guns"],
           ["qiangzhi", "jiabi", "jiachao", "daikaifapiao", "代开fapiao", "fapiaodaikai", "haluoyin",
            "yaotouwan", "glock"], "critical", "block", boundary="word")
    return p


# =============================================================================
# 7. contact diversion (off-platform trade)
# =============================================================================
def contact():
    p = Pack("contact", "contact", "contact details and diversion to off-platform trade", """
Moving a buyer off the platform (a WeChat or QQ id, a phone number, "私聊")
takes the trade out of the platform's records and protections, and is how
most live-commerce fraud and counterfeit sales close; platforms forbid it,
and the room must manage interaction in real time (网络直播营销管理办法
Art. 18(5); 直播电商监督管理办法 Art. 31).  Review.  The patterns match the
normalised text (lower case, no spaces or punctuation, digits folded), so
"１３８ ００１３ ８０００" is found as 13800138000.""")
    zh = [
        "加微信", "加我微信", "加个微信", ("加v", {"allow": ["加vip", "加vlog", "加value"]}), "加vx", "加wx",
        "加qq", "加企鹅", "私聊", "私信我", "私我", "微信号", "扣扣号", "企鹅号", "薇信",
        "威信", "薇芯", "V信", "微x", "vx号", "wx号", "绿泡泡", "加群", "进群", "群号", "扫码加",
        "扫码进群", "电话联系", "打我电话", "私下交易", "线下交易", "站外交易", "站外下单", "去淘宝",
        "淘宝搜", "拼多多搜", "闲鱼搜", "某宝", "加好友", "留个联系方式", "主页有联系方式", "看我主页",
        "头像有微信", "电报群", "飞机群", "加飞机", "私下联系", "私下付款", "扫我二维码", "微信转账",
        "支付宝转账", "我的vx", "我的微信", "微信同号", "手机同微信", "加薇", "加V信", "加薇信", "加威信", "加wechat", "加weixin", "加whatsapp",
    ]
    # these phrases, not the contact-detail patterns, are also what a host's
    # anti-fraud reminder quotes (不要私下加微信转账，谨防诈骗)
    af = ["anti_fraud_notice"]
    zh_opts = {"私聊": {"allow": ["禁止私聊", "不要私聊", "请勿私聊"], "severity": "medium"},
               "进群": {"severity": "medium", "allow": ["进群抽奖", "进粉丝群"]},
               "加群": {"severity": "medium", "allow": ["加粉丝群", "加群聊抽奖"]},
               "加好友": {"severity": "medium"},
               "看我主页": {"severity": "low", "action": "log"},
               "淘宝搜": {"severity": "medium"},
               "某宝": {"severity": "medium"},
               "去淘宝": {"severity": "medium"}}
    p.family("CON", "diversion", B["contact"],
             [t if isinstance(t, tuple) else (t, zh_opts.get(t, {})) for t in zh],
             "high", "review", exempt=af)
    n = len(zh) + 1
    low = [("加我", {"allow": ["加我粉丝团", "加我的粉丝团", "加我关注", "加我购物车"]}),
           ("联系方式", {"allow": ["商家联系方式", "客服联系方式", "官方联系方式"]}),
           ("二维码", {}),
           ("手机号", {"allow": ["绑定手机号", "验证手机号", "手机号验证", "手机号登录"]})]
    p.family("CON", "diversion", B["contact"], low, "low", "log", start=n)
    n += len(low)
    pats = [
        # boundary digit: not inside a longer digit run (an order number, a
        # barcode, "155 160 165 170"); +86 written before it is allowed for
        ("mainland mobile number", [r"1[3-9]\d{9}", r"861[3-9]\d{9}"], "high"),
        # qq and 扣扣 fold to q and 扣 (repeat collapse); 5 digits or more
        # keeps 扣1 and 扣666 (live-commerce slang for "type 1") out
        ("QQ number after a QQ cue", [r"q[1-9]\d{4,10}", r"q号[1-9]\d{4,10}", r"扣[1-9]\d{4,10}",
                                      r"扣号[1-9]\d{4,10}", r"企鹅[1-9]\d{4,10}", r"企鹅号[1-9]\d{4,10}",
                                      r"q群[1-9]\d{4,10}", r"q群号[1-9]\d{4,10}", r"扣群[1-9]\d{4,10}"],
         "high"),
        ("WeChat id after a WeChat cue", [r"微信[a-z][a-z0-9]{5,19}", r"微信号[a-z0-9]{6,20}",
                                         r"vx[a-z][a-z0-9]{5,19}", r"wx[a-z][a-z0-9]{5,19}",
                                         r"v信[a-z][a-z0-9]{5,19}", r"薇信[a-z][a-z0-9]{5,19}",
                                         r"威信[a-z][a-z0-9]{5,19}", r"vx[0-9]{6,12}", r"wx[0-9]{6,12}",
                                         r"微信[0-9]{6,12}"], "high"),
        # wechat ids: 4 or more, since repeats collapse (kk123 is k123)
        ("WhatsApp or Telegram number", [r"whatsap\d{7,15}", r"telegram\d{7,15}", r"wechat[a-z0-9]{4,20}"],
         "high"),
        ("landline with area code", [r"0[1-9]\d{1,2}[2-8]\d{6,7}"], "medium"),
    ]
    bounds = {1: "digit", 5: "digit"}
    exempts = {4: ["payment_method"]}
    for k, (desc, pl, sev) in enumerate(pats, 1):
        p.add(Rule("CON-PAT-%04d" % k, "contact_details", sev, "review", B["contact_phone"], patterns=pl,
                   note=desc, boundary=bounds.get(k), exempt=exempts.get(k, ())))
    p.contexts = [
        ("payment_method", "cancel", 0, "WeChat Pay named as a way to pay, not a WeChat id",
         ["wechat pay", "微信支付"]),
        # narrow on purpose: a negated diversion right next to the phrase;
        # an id or number after it still hits through the patterns
        ("anti_fraud_notice", "cancel", 2,
         "a reminder that warns against the diversion (不要私下加微信转账，谨防诈骗)",
         ["不要私下", "切勿私下", "请勿私下", "禁止私下", "严禁私下", "千万别私下", "谨防诈骗", "谨防受骗",
          "谨防上当", "防骗提醒", "防诈提醒", "反诈提醒",
          # the host telling viewers not to: 别私聊, 别加微信, 不支持私下交易
          "别私", "别加", "不要加", "勿加", "不要私聊", "不支持私下", "不做私下", "不接受私下"]),
    ]
    # "dm me" and "pm me" are left out: without spaces and with repeats
    # collapsed they are "dme" and "pme", inside "send me" and "help me".
    en = ["add my wechat", "add me on wechat", "my wechat is", "wechat id", "whatsapp me",
          "message me on whatsapp", "direct message me", "text me", "telegram me", "contact me on",
          "my number is", "call me at", "add my line", "kik me", "snapchat me", "order directly from me",
          "pay me directly", "paypal me", "buy outside the platform", "off-platform", "my whatsapp"]
    p.family("CON", "diversion", B["contact"], en, "medium", "review", start=n)
    n += len(en)
    # 加我 + a contact cue (加我VX), and other chat apps: a live room has no
    # use for their names but sending buyers there
    more = [("加我v", {"allow": ["加我vip", "加我vlog"]}), "加我wx", "加我qq", "加我企鹅", "加我飞机", "加我薇",
            "加我威信", ("whatsapp", {"severity": "medium"}), ("telegram", {"severity": "medium"}),
            "me on instagram", "instagram me", "my instagram", "me on facebook", "me on telegram",
            "my telegram", "me on signal"]
    p.family("CON", "diversion", B["contact"], more, "high", "review", start=n)
    n += len(more)
    # 闲鱼 (a second-hand marketplace), WeChat search, LINE, Telegram (TG)
    apps = [("去闲鱼", {"severity": "medium"}), ("闲鱼找我", {"severity": "medium"}),
            ("闲鱼拍", {"severity": "medium"}), ("上闲鱼", {"severity": "medium"}),
            ("来闲鱼", {"severity": "medium"}), "vx搜", "wx搜", "微信搜", ("line id", {"boundary": "word"}),
            "加line", "加赖", "加我赖", "加tg", "加我tg", "tg号", "tg群"]
    p.family("CON", "diversion", B["contact"], [t if isinstance(t, tuple) else (t, {}) for t in apps],
             "high", "review", exempt=af, start=n)
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("CON", "PY", "diversion", B["contact"],
           ["weixin", "weixinhao", "jiawei", "weixin号", "qqhao", "koukou号"], "high", "review",
           boundary="word")
    p.more("CON", "MORE", "diversion", B["contact"],
           ["line账号", "line号", "加我line", "联系我微信", "联系微信", "私聊微信", "私信微信", "私讯",
            ("", {"patterns": [r"vx[a-z0-9_]{6,20}"], "boundary": "word", "note": "vx and an id (WeChat ids are 6-20 characters)"})], "high", "review")
    return p


# =============================================================================
# 8. harassment, threats and defamation
# =============================================================================
def harassment():
    p = Pack("harassment", "harassment", "insults, threats, doxxing and defamation", """
Harassing, insulting or threatening others is forbidden to rooms and hosts
(网络直播营销管理办法 Art. 18(6)) and infringes reputation (民法典
Art. 1024); threats and public insults are also public-order offences
(治安管理处罚法, 2012 text, Art. 42; ethnic slurs Art. 47).  Hosts must not
disparage competitors (直播电商监督管理办法 Art. 36).  Abuse aimed at a
person (傻逼, 脑残, bitch) reviews at medium severity; mild swearing (妈的,
装逼) logs (counted, not queued); slurs and disparagement review; threats
and doxxing review at high severity.  Consumers' complaints (骗子, 假货 about the seller) are NOT
rules here: a room must never shield unfavourable reviews (Art. 21 of the
2021 measures), so they must not be suppressed by this engine.""")
    insults = ["傻逼", "傻b", "傻x", "煞笔", "沙比", "脑残", "智障", "白痴", "蠢货", "蠢猪", "贱人", "贱货",
               "婊子", "绿茶婊", "狗东西", "狗日的", "畜生", "畜牲", "人渣", "去死", "滚蛋", "滚出去",
               "死全家", "你妈死了", "操你妈", "草泥马", "cnm", "nmsl", "他妈的", "妈的", "狗屎",
               "丑八怪", "死肥猪", "废物主播", "垃圾主播", "sb主播", "傻叉", "low逼", "装逼", "屌丝",
               "贱种", "杂种", "王八蛋", "混蛋", "龟孙", "你算什么东西", "死妈",
               "idiot", "moron", "stupid bitch", "bitch", "asshole", "fuck you", "go die", "scumbag",
               "piece of shit", "loser host", "dumbass", "shut up bitch", "废物", "干你娘", "操你娘",
               # 傻比; NT (脑瘫) in the frames it insults in (bare NT is also the
               # New Taiwan dollar)
               "傻比", "傻币", "傻笔"] + \
              [(t, {"boundary": "word"}) for t in ["nt吧", "nt才", "你nt", "真nt", "是nt", "nt东西", "nt主播"]]
    mild = {"他妈的", "妈的", "狗屎", "丑八怪", "装逼", "屌丝", "low逼", "混蛋", "龟孙", "你算什么东西",
            "loser host"}
    ins_opts = {t: {} if t in mild else {"severity": "medium", "action": "review"}
                for t in insults if isinstance(t, str)}
    ins_opts.update({x[0]: dict(x[1], severity="medium", action="review") for x in insults
                     if not isinstance(x, str)})
    insults = [t if isinstance(t, str) else t[0] for t in insults]
    ins_opts.update({"去死": {"severity": "medium", "action": "review",
                         "allow": ["去死皮", "去死角", "去死细胞", "去死茧", "除去死"]},
                "死全家": {"severity": "high", "action": "review", "label": "threat", "basis": B["threat"]},
                "你妈死了": {"severity": "medium", "action": "review"},
                "操你妈": {"severity": "medium", "action": "review"},
                "死妈": {"severity": "medium", "action": "review"},
                "杂种": {"severity": "medium", "action": "review"},
                "滚出去": {"severity": "medium", "action": "review", "allow": ["滚出去玩"]},
                "废物": {"severity": "medium", "action": "review",
                       "allow": ["废物利用", "废物回收", "废物处理", "固体废物", "危险废物", "废物再利用"]},
                "go die": {"severity": "medium", "action": "review"}})
    p.family("HAR", "insult", B["insult"], [(t, ins_opts.get(t, {})) for t in insults], "low", "log")
    threats = ["弄死你", "杀了你", "砍死你", "打死你", "捅死你", "我要杀你", "弄死他", "炸了你家",
               "我知道你住哪", "你等着瞧", "让你全家", "你死定了", "灭你全家", "上门找你",
               "找人收拾你", "泼硫酸", "撕票", "i will kill you", "kill yourself", "kys",
               "i know where you live", "you are dead", "watch your back"]
    p.family("HAR", "threat", B["threat"], threats, "high", "review")
    dox = ["人肉你", "人肉搜索", "开盒你", "开你的盒", "曝光你家", "挂你家地址", "公布你电话", "你家地址是", "dox you",
           "leak your address"]
    p.family("HAR", "doxxing", B["doxxing"], dox, "high", "review")
    # English slurs whose folded form is an ordinary word are left out
    # (n-word folds to "niger", inside Niger and Nigeria).
    slurs = ["黑鬼", "娘炮", "死基佬", "残废", "蛮子", "棒子", "鬼子", "阿三", "黑奴", "faggot",
             "retard", "chink", "tranny"]
    slur_opts = {"残废": {"allow": ["残废军人"]}, "鬼子": {"allow": ["鬼子姜", "日本鬼子侵华"]},
                 "阿三": {"allow": ["阿三哥"]}, "棒子": {"allow": ["玉米棒子", "棒子面", "棒子骨"]}}
    p.family("HAR", "slur", B["slur"], [(t, slur_opts.get(t, {})) for t in slurs], "medium", "review")
    defam = ["别家都是假货", "其他家都是假的", "别家都是骗子", "友商都是垃圾", "别家都是高仿", "某家都是假货",
             "同行都是骗子", "他家卖假货", "other sellers are fake", "competitors are scammers"]
    p.family("HAR", "defamation", B["defamation"], defam, "medium", "review")
    # Hanyu Pinyin of the core terms (GaoFang, LaRenTou): written in Latin
    # letters to slip past Chinese terms.  Word-bounded: inside an English
    # word they are something else.
    p.more("HAR", "PY", "insult", B["insult"],
           ["shabi", "naocan", "zhizhang", "caonima", "nimasile"], "medium", "review", boundary="word")
    # soliciting the host or a viewer for sex
    p.more("HAR", "SEX", "sexual_harassment", B["insult"],
           ["多少钱一晚", "一晚多少钱", "陪睡", "约炮", "陪我一晚", "穿这么骚", "裸聊",
            "how much for a night"], "high", "review")
    p.more("HAR", "MORE", "threat", B["threat"],
           ["我知道你住", "我知道你家", ("kill you", {"boundary": "word"}), "find you and"], "high", "review")
    return p


PACKS = [absolute_claims, contact, contraband, counterfeit, fraud, gambling, harassment, pyramid]


def main():
    check = "--check" in sys.argv[1:]
    packs = [f() for f in PACKS]
    for p in packs:
        most_specific_wins(p)
    problems = lint(packs)
    if problems:
        for x in problems:
            print("gen_rules: " + x, file=sys.stderr)
        return 1
    stale = False
    total = 0
    for p in packs:
        text = render(p)
        path = os.path.join(OUT, p.name + ".rules")
        total += len(p.rules)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale = True
            if not check:
                os.makedirs(OUT, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
        print("%-18s %5d rules" % (p.name, len(p.rules)))
    print("%-18s %5d rules" % ("total", total))
    if check and stale:
        print("gen_rules: rules/ is stale; run scripts/gen_rules.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
