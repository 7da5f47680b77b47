#!/usr/bin/env python3
"""gen.py -- seeded corpus and lexicon generator for bench/moderation.

    python3 bench/moderation/gen.py OUTDIR [--messages N] [--listings N]
                                           [--seed S] [--sizes 20000,100000]
                                           [--rules DIR]

Writes into OUTDIR (never into the repository):

  messages.txt    N live-chat messages, one per line (UTF-8, no newlines
                  inside a message); median about 12 characters, tail to 60;
                  Chinese (frequent Hanzi, danmaku phrases), English words,
                  numbers, emoji and punctuation, mixed per message.
  planted.tsv     the messages with a planted hit (1 %): index, the term as
                  written in its pack, the evasion applied, the pack it is from.
  listings.txt    product listings (200-2,000 characters each), one per line;
                  10 % carry a planted term.
  lex<SIZE>/      the default packs (copied unchanged) plus zz_synthetic.rules,
                  a generated pack of synthetic literals bringing the number of
                  `literal` lines to exactly SIZE.  The synthetic terms of the
                  smaller size are a prefix of those of the larger one.
  meta.json       what was generated: counts, seed, length quantiles, hit rates.

Every message is checked against the LARGEST lexicon (all rule literals and
patterns, compared after an approximation of src/text's normalisation): a
message with an accidental hit is drawn again, so the only rule hits are the
planted ones (1 %).  Planted terms come from the SMALLEST lexicon (half from
the default packs, half synthetic), so they hit at every size.  Listings are
built from sentences checked the same way; sentences are joined with
punctuation that normalisation removes, so a listing may still hit across a
sentence boundary (meta.json reports how many do, by the approximation).

Hanzi: a built-in list of about 1,500 frequent characters (roughly in order
of frequency) drawn with Zipf weights, plus the simplified side of OpenCC's
STCharacters table as a rare tail when `opencc_dict` is installed.  Characters
that OpenCC's TSCharacters would fold (t2s) and Chinese numerals are kept out
of synthetic terms, so a term's normalised form is what this script thinks.

Python standard library only; deterministic for a given seed and N.
"""
import argparse
import bisect
import itertools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

# ---- character and word material -------------------------------------------

# About 1,500 frequent simplified Hanzi, roughly in order of frequency in
# modern text (written for this benchmark; duplicates are dropped on load).
FREQ_HANZI = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行"
    "所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它"
    "与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新"
    "己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平"
    "系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形"
    "社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取"
    "拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫"
    "令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似"
    "官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专"
    "费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章"
    "音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝"
    "友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预"
    "谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲"
    "冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免"
    "压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评"
    "版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋"
    "跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探"
    "湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸"
    "奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖"
    "丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替"
    "塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝"
    "尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵硬麦蒋操耶阻订彩抽赞魔纷沿喊违妹浪汇"
    "币丰蓝殊献桌啦瓦莱援译夺汽烧距裁偏符勇触课敬哭懂墙袭召罚侠厅拜巧侧韩冒债曼融惯享戴童犹乘挂奖绍厚纵障讯涉彻刊"
    "丈爆乌役描洗玛患妙镜唱烦签仙彼弗症仿倾牌陷鸟轰咱菜闭奋庆撤泪茶疾缘播朗杜奶季丹狗尾仪偷奔珠虫驻孔宜艾桥淡翼恨"
    "繁寒伴叹旦愈潮粮缩罢聚径恰挑袋灰捕徐珍幕映裂泰隔启尖忠累炎暂估泛荒偿横拒瑞忆孤鼻闹羊呆厉衡胞零穷舍码赫婆魂灾"
    "洪腿胆津俗辩胸晓劲贫仁偶辑邦恢赖圈摸仰润堆碰艇稍迟辆废净凶署壁御奉旋冬矿抬蛋晨伏吹鸡倍糊秦盾杯租骑乏隆诊奴摄"
    "丧污渡旗甘耐凭扎抢绪粗肩梁幻菲皆碎宙叔岩荡综爬荷悉蒂返井壮薄悄扫敏碍殖详迪矛霍允幅撒剩凯颗骂赏液番箱贴漫酸郎"
    "腰舒眉忧浮辛恋餐吓挺励辞艘键伍峰尺昨黎辈贯侦滑券崇扰宪绕趋慈乔阅汗枝拖墨胁插箭腊粉泥氏彭拔骗凤慧媒佩愤扑龄驱"
    "惜豪掩兼跃尸肃帕驶堡届欣惠册储飘桑闲惨洁踪勃宾频仇磨递邪撞拟滚奏巡颜剂绩贡疯坡瞧截燃焦殿伪柳锁逼颇昏劝呈搜勤"
    "戒驾漂饮曹朵仔柔俩孟腐幼践籍牧凉牲佳娜浓芳稿竹腹跌逻垂遵脉貌柏狱猜怜惑陶兽帐饰贷昌叙躺钢沟寄扶铺邓寿惧询汤盗"
    "肥尝匆辉奈扣廷澳嘛董迁凝慰厌脏腾幽怨鞋丢埋泉涌辖躲晋紫艰魏吾慌祝邮吐狠鉴械咬邻赤挤弯椅陪割揭韦悟聪雾锋梯猫祥"
    "阔誉筹丛牵鸣沈阁穆屈旨袖猎臂蛇贺柱抛鼠瑟戈牢逊迈欺吨琴衰瓶恼燕仲诱狼池疼卢仗冠粒遥吕玄尘冯抚浅敦纠钻晶岂峡苍"
    "喷耗凌敲菌赔涂粹扁亏寂煤熊恭湿循暖糖赋抑秩帽哀宿踏烂袁侯抖夹昆肝擦猪炼恒慎搬纽纹玻渔磁铜齿跨押怖漠疲叛遣兹祭"
    "醉拳弥斜档稀捷肤疫肿豆削岗晃吞宏癌肚隶履涨耀扭坛拨沃绘伐堪仆郭牺歼墓雇廉契拼惩捉覆刷劫嫌瓜歇雕闷乳串娃缴唤赢"
    "莲霸桃妥瘦搭赴岳嘉舱俊址庞耕锐缝悔邀玲惟斥宅添挖呵讼氧浩羽斤酷掠妖祸侍乙妨贪挣汪尿莉悬唇翰仓轨枚盐览傅帅庙芬"
    "屏寺胖璃愚滴疏萧姿颤丑劣柯寸扔盯辱匹俱辨饿蜂哦腔郁溃谨糟葛苗肠忌溜鸿爵鹏鹰笼丘桂滋聊挡纲肌茨壳痕碗穴膀卓贤卧"
    "膜毅锦欠哩函茫昂薛皱夸豫胃舌剥傲拾窝睁携陵哼棉晴铃填饲渴吻扮逆脆喘罩卜炉柴愉绳胎蓄眠竭喂傻慕浑奸扇柜悦拦诞饱"
    "泡贼亭夕爹酬儒姻卵氛泄杆挨僧蜜吟猩遂狭肖甜霜揽泳拓炭菩愁挽袜帆吵酱茂宴旬绵蔡颈暑熙盼抄胶瓷吊蚁椎蹲蛛沫凑嗯啥"
    "嘻呗嘿哇呜噢喔嗨咋俺咯啵喵嘞")

# Danmaku-style phrases (live-commerce chat).
ZH_PHRASES = [
    "主播好", "主播晚上好", "来了来了", "已拍", "已下单", "上链接", "求链接", "多少钱", "有优惠吗", "怎么买",
    "好看", "太美了", "支持主播", "关注了", "包邮吗", "尺码多大", "什么颜色", "几号发货", "质量怎么样", "想要",
    "抢到了", "没抢到", "再上一波", "好便宜", "扣1", "冲冲冲", "哈哈哈哈", "买买买", "主播辛苦了", "晚安",
    "这个好看", "有没有大码", "能便宜点吗", "什么时候发货", "已关注", "点赞", "刚来", "回放在哪", "讲一下", "看看后面",
    "试穿一下", "拿近一点", "这个颜色好", "我要了", "好可爱", "有点贵", "等等我", "拍了拍了", "库存还有吗", "下次还来",
    "谢谢主播", "真不错", "手慢了", "上新了吗", "好好好", "啊啊啊", "嗯嗯", "来啦", "在吗", "收到",
    "发货快吗", "能退吗", "运费多少", "送什么", "有赠品吗", "挺好的", "不错不错", "爱了爱了", "太卷了", "绝了",
]

EN_WORDS = (
    "hi hello hey wow nice cool love cute pretty beautiful great good so very much how what when where who which "
    "price link size color colour ship shipping free sale buy bought order cart today tonight now later please pls "
    "thanks thank you lol omg haha yes no ok okay sure maybe want need like this that these those one two three "
    "more less big small large medium red blue black white pink green gold silver new old first last next again "
    "come back here there look see watch show try fit wear dress shirt shoes bag coat skirt pants hat watch ring "
    "cheap deal discount coupon code stock left sold out restock delivery return refund quality fabric cotton silk "
    "wool soft warm cold hot summer winter spring autumn style fashion host live stream room follow followed fan "
    "fans gift gifts heart like likes share shared comment chat wait waiting fast slow quick super really truly "
    "amazing awesome lovely perfect fine well done got get give take make made go going gone and or but with for "
    "from to of in on at by up down out over under about after before my your our their his her its we they you "
    "me us them it is are was were be been am do does did have has had can could will would should may might must"
).split()

EMOJI = ["👍", "😂", "❤️", "🔥", "🎉", "😍", "🥰", "👏", "🙏", "😭", "🤣", "💯", "🌹", "✨", "😘", "🤔", "👀", "💕",
         "🙌", "😊", "🎁", "🛒", "💰", "⭐"]
PUNCT = ["！", "？", "~", "。。。", "!!!", "?", "，", ",", "…", "!", "～～", "??", "。"]
SLANG_NUM = ["666", "2333", "88", "520", "1314", "999", "6666", "111", "233"]

# Chinese numerals fold to digits (text.h); never put them in synthetic terms.
NUMERALS = {
    "零": "0", "〇": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
    "八": "8", "九": "9", "两": "2", "幺": "1", "壹": "1", "贰": "2", "叁": "3", "肆": "4", "伍": "5",
    "陆": "6", "柒": "7", "捌": "8", "玖": "9", "貳": "2", "參": "3", "陸": "6", "兩": "2",
}

HOMOGLYPH = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
NOISE = ["*", "·", " ", "\u200b", "🔥", "❤️", ".", "-", "_", "~"]

# English syllables for synthetic pseudo-words.
ONSETS = ["b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m", "n",
          "p", "pl", "pr", "qu", "r", "s", "sh", "sk", "sl", "sp", "st", "t", "th", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "ue"]
CODAS = ["", "", "", "n", "r", "s", "l", "m", "x", "t", "nd", "rk", "st"]

CATEGORIES = ["synthetic_contraband", "synthetic_fraud", "synthetic_abuse", "synthetic_counterfeit",
              "synthetic_gambling", "synthetic_contact"]
BASIS = "合成基准测试规则，非法律依据（bench/moderation/gen.py 生成的 synthetic benchmark rule）"
LITS_PER_RULE = 10


# ---- OpenCC tables ----------------------------------------------------------
def opencc_table(name):
    """Pairs (key, [values]) from /usr/share/opencc/NAME.ocd2, or [] if unavailable."""
    src = os.path.join("/usr/share/opencc", name + ".ocd2")
    if not (os.path.exists(src) and shutil.which("opencc_dict")):
        return []
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "t.txt")
        subprocess.run(["opencc_dict", "-i", src, "-o", out, "-f", "ocd2", "-t", "text"],
                       check=True, stdout=subprocess.DEVNULL)
        pairs = []
        with open(out, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                if k and v:
                    pairs.append((k, v.split(" ")))
        return pairs


# ---- approximate normaliser (src/text/text.h) --------------------------------
class Norm:
    def __init__(self, t2s):
        self.t2s = t2s
        self.cache = {}

    def __call__(self, s):
        out = []
        last = None
        t2s = self.t2s
        for ch in unicodedata.normalize("NFKC", s).casefold():
            cat = unicodedata.category(ch)
            if cat[0] in "PSZC" or cat == "Mn":
                continue
            ch = t2s.get(ch, ch)
            ch = NUMERALS.get(ch, ch)
            if ch == last and not ch.isdigit():
                continue
            out.append(ch)
            last = ch
        return "".join(out)


# ---- rule packs ---------------------------------------------------------------
def pack_values(path):
    """(keyword, value) for every directive line, parsed like src/rules/parse.c."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            s = line.lstrip()
            if not s or s.startswith("#"):
                continue
            m = re.search(r"\s#", s)
            if m:
                s = s[:m.start()]
            s = s.rstrip()
            kw, _, v = s.partition(" ")
            if not _:
                kw, _, v = s.partition("\t")
            yield kw, v.strip()


class Lexicon:
    """Normalised rule literals by first character, and the rule patterns."""

    def __init__(self):
        self.terms = set()
        self.first = {}
        self.pats = []

    def add(self, t):
        if not t or t in self.terms:
            return
        self.terms.add(t)
        self.first.setdefault(t[0], set()).add(len(t))

    def compile(self):
        self.first = {k: sorted(v) for k, v in self.first.items()}
        self.pat_re = re.compile("|".join("(?:%s)" % p for p in self.pats)) if self.pats else None

    def hits(self, s):
        terms, first = self.terms, self.first
        for i, ch in enumerate(s):
            ls = first.get(ch)
            if ls:
                for n in ls:
                    if s[i:i + n] in terms:
                        return True
        return bool(self.pat_re and self.pat_re.search(s))


def zipf_cum(n, s=1.0):
    acc, out = 0.0, []
    for r in range(1, n + 1):
        acc += 1.0 / (r ** s)
        out.append(acc)
    return out


class Picker:
    def __init__(self, items, s):
        self.items = items
        self.cum = zipf_cum(len(items), s)
        self.total = self.cum[-1]

    def __call__(self, rng):
        return self.items[bisect.bisect_left(self.cum, rng.random() * self.total)]


# ---- synthetic terms --------------------------------------------------------------
def synth_terms(rng, count, alphabet_cum, alphabet, norm, taken, default_norms, zh_frac=0.7):
    """count distinct synthetic literals; their normalised forms are added to taken."""
    out = []
    dl = {}  # default normalised literals by length, for substring rejection
    for t in default_norms:
        dl.setdefault(len(t), set()).add(t)
    lens = sorted(dl)
    total = alphabet_cum[-1]

    def contains_default(n):
        for L in lens:
            if L > len(n):
                break
            S = dl[L]
            for i in range(len(n) - L + 1):
                if n[i:i + L] in S:
                    return True
        return False

    while len(out) < count:
        if rng.random() < zh_frac:
            L = rng.choices((2, 3, 4), weights=(15, 45, 40))[0]
            chars = []
            while len(chars) < L:
                c = alphabet[bisect.bisect_left(alphabet_cum, rng.random() * total)]
                if chars and chars[-1] == c:
                    continue
                chars.append(c)
            raw = "".join(chars)
        else:
            words = []
            for _ in range(rng.choice((1, 1, 1, 2))):
                w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                            for _ in range(rng.choice((2, 2, 3))))
                words.append(w)
            raw = " ".join(words)
            if len(raw) > 18:
                continue
        n = norm(raw)
        if len(n) < 2 or n in taken or contains_default(n):
            continue
        taken.add(n)
        out.append(raw)
    return out


def write_synth_pack(path, terms, rng):
    lines = [
        "# zz_synthetic.rules -- GENERATED by bench/moderation/gen.py for the moderation",
        "# benchmark only: synthetic literals that grow the default packs to a given",
        "# lexicon size.  Not a real rule pack; the basis says so.",
        "",
        "pack synthetic_bench",
        "version 2026.11.25-bench",
        "",
    ]
    for r in range(0, len(terms), LITS_PER_RULE):
        k = r // LITS_PER_RULE
        lines.append("rule SYN-%06d" % (k + 1))
        lines.append("category " + CATEGORIES[k % len(CATEGORIES)])
        lines.append("severity " + ("high" if k % 3 == 0 else "medium"))
        lines.append("action " + ("block" if k % 3 == 0 else "review"))
        lines.append("basis " + BASIS)
        for t in terms[r:r + LITS_PER_RULE]:
            lines.append("literal " + t)
        lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


# ---- evasions -------------------------------------------------------------------
def evade(rng, term, s2t):
    kind = rng.choices(["plain", "fullwidth", "traditional", "noise", "homoglyph", "repeat", "case"],
                       weights=[40, 10, 10, 15, 10, 10, 5])[0]
    has_ascii = any("a" <= c.lower() <= "z" for c in term)
    if kind in ("fullwidth", "homoglyph", "case") and not has_ascii:
        kind = "traditional"
    if kind == "traditional" and not any(c in s2t for c in term):
        kind = "noise"
    if kind == "plain":
        return term, kind
    if kind == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c)
                       for c in term), kind
    if kind == "traditional":
        return "".join(s2t.get(c, c) for c in term), kind
    if kind == "homoglyph":
        idx = [i for i, c in enumerate(term) if c.lower() in HOMOGLYPH]
        if idx:
            i = rng.choice(idx)
            return term[:i] + HOMOGLYPH[term[i].lower()] + term[i + 1:], kind
        kind = "noise"
    if kind == "case":
        return term.upper(), kind
    if kind == "repeat":
        idx = [i for i, c in enumerate(term) if not c.isdigit() and not c.isspace()]
        if idx:
            i = rng.choice(idx)
            return term[:i + 1] + term[i] * rng.choice((1, 2)) + term[i + 1:], kind
        kind = "noise"
    # noise: one or two separators inside the term
    if len(term) < 2:
        return term + rng.choice(NOISE), "noise"
    t = list(term)
    for _ in range(rng.choice((1, 2))):
        i = rng.randrange(1, len(t))
        t.insert(i, rng.choice(NOISE))
    return "".join(t), "noise"


def phone_plant(rng):
    """A planted contact pattern: a mobile number or a WeChat id, often disguised."""
    num = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    k = rng.randrange(4)
    if k == 0:
        return num, "pattern_plain"
    if k == 1:
        return "".join(chr(ord(c) + 0xFEE0) for c in num), "pattern_fullwidth"
    if k == 2:
        return num[:3] + " " + num[3:7] + " " + num[7:], "pattern_spaced"
    return "vx" + rng.choice("abcdefghkmnpqrstwxyz") + "".join(rng.choice("abcdefghjk23456789")
                                                            for _ in range(rng.randint(6, 9))), "pattern_wechat"


# ---- text generators --------------------------------------------------------------
class TextGen:
    def __init__(self, rng, hanzi_pick, en_pick, phrase_pick):
        self.rng = rng
        self.hz = hanzi_pick
        self.en = en_pick
        self.ph = phrase_pick

    def seg(self, profile):
        r = self.rng
        x = r.random()
        if profile == "zh":
            if x < 0.35:
                return self.ph(r)
            if x < 0.80:
                return "".join(self.hz(r) for _ in range(r.randint(1, 6)))
            if x < 0.88:
                return r.choice(PUNCT)
            if x < 0.95:
                return r.choice(EMOJI)
            return r.choice(SLANG_NUM)
        if profile == "en":
            if x < 0.80:
                w = self.en(r)
                if r.random() < 0.1:
                    w = w.capitalize()
                return (w + " ") if r.random() < 0.85 else w
            if x < 0.88:
                return r.choice(PUNCT[4:])
            if x < 0.95:
                return r.choice(EMOJI)
            return str(r.randint(1, 999)) + " "
        # mixed
        if x < 0.25:
            return self.ph(r)
        if x < 0.55:
            return "".join(self.hz(r) for _ in range(r.randint(1, 4)))
        if x < 0.75:
            return self.en(r) + (" " if r.random() < 0.5 else "")
        if x < 0.83:
            return r.choice(EMOJI)
        if x < 0.90:
            return r.choice(PUNCT)
        if x < 0.95:
            return r.choice(SLANG_NUM)
        return r.choice(("¥", "$", "")) + str(r.randint(1, 9999))

    def message(self, target):
        r = self.rng
        p = r.random()
        profile = "zh" if p < 0.6 else ("en" if p < 0.75 else "mixed")
        segs, n = [], 0
        while n < target:
            s = self.seg(profile)
            segs.append(s)
            n += len(s)
        text = "".join(segs)
        text = text[:target]
        return text.strip() or text

    def sentence(self, target):
        r = self.rng
        segs, n = [], 0
        while n < target:
            x = r.random()
            if x < 0.6:
                s = "".join(self.hz(r) for _ in range(r.randint(2, 8)))
            elif x < 0.75:
                s = r.choice(LISTING_WORDS)
            elif x < 0.87:
                s = " " + " ".join(self.en(r) for _ in range(r.randint(1, 3))) + " "
            elif x < 0.95:
                s = str(r.randint(1, 2000)) + r.choice(("cm", "g", "ml", "元", "件", "%", "kg", ""))
            else:
                s = r.choice(("，", "、", "；", "：", " / ", " - "))
            segs.append(s)
            n += len(s)
        return "".join(segs)[:target]


LISTING_WORDS = ["材质", "面料", "尺码", "颜色", "款式", "规格", "产地", "品牌", "适用人群", "发货时间", "售后服务",
                 "洗涤说明", "纯棉", "真丝", "羊毛", "加厚", "保暖", "透气", "修身", "宽松", "新款", "春秋款",
                 "夏季", "冬季", "男女同款", "礼盒装", "包邮", "七天无理由退换", "正品保障", "现货", "预售",
                 "赠品", "限时", "优惠", "满减", "到手价", "原价", "券后", "库存", "尺寸", "重量", "容量"]


def lognormal_len(rng, median, sigma, lo, hi):
    return max(lo, min(hi, int(round(math.exp(rng.gauss(math.log(median), sigma))))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--listings", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules"))
    ap.add_argument("--plant-rate", type=float, default=0.01)
    ap.add_argument("--listing-plant-rate", type=float, default=0.10)
    a = ap.parse_args()
    sizes = sorted(int(x) for x in a.sizes.split(","))
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)

    # OpenCC tables: simplified -> traditional (evasions, rare Hanzi tail),
    # traditional -> simplified (what the normaliser folds).
    st_pairs = opencc_table("STCharacters")
    ts_pairs = opencc_table("TSCharacters")
    s2t = {k: v[0] for k, v in st_pairs if len(k) == 1 and v[0] != k}
    t2s = {k: v[0] for k, v in ts_pairs if len(k) == 1 and v[0] != k}
    norm = Norm(t2s)

    hanzi, seen = [], set()
    for c in FREQ_HANZI:
        if c not in seen:
            seen.add(c)
            hanzi.append(c)
    n_freq = len(hanzi)
    for k, _ in st_pairs:  # rare tail
        if len(k) == 1 and k not in seen and 0x4E00 <= ord(k) <= 0x9FFF and k not in t2s:
            seen.add(k)
            hanzi.append(k)
    hanzi_pick = Picker(hanzi, 1.1)

    # Default packs: literal lines (raw and normalised) and patterns.
    packs = sorted(f for f in os.listdir(a.rules) if f.endswith(".rules"))
    default_raw, default_norm, patterns = [], set(), []
    for p in packs:
        for kw, v in pack_values(os.path.join(a.rules, p)):
            if kw == "literal":
                default_raw.append((v, p))
                default_norm.add(norm(v))
            elif kw == "pattern":
                patterns.append(v)
    n_default = len(default_raw)
    if n_default >= sizes[0]:
        sys.exit("the default packs already have %d literals" % n_default)

    # Synthetic terms: alphabet = frequent Hanzi minus numerals and t2s-folded ones.
    # Content characters only: the ~200 most frequent (的, 是, 了, 还 ...) are
    # function words no lexicon term is made of.
    alphabet = [c for c in hanzi[200:2500] if c not in NUMERALS and c not in t2s]
    alphabet_cum = zipf_cum(len(alphabet), 0.3)  # flatter than text: lexicon words
    taken = set(default_norm)
    synth = synth_terms(rng, sizes[-1] - n_default, alphabet_cum, alphabet, norm, taken, default_norm)

    for size in sizes:
        d = os.path.join(a.outdir, "lex%d" % size)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for p in packs:
            shutil.copy(os.path.join(a.rules, p), d)
        write_synth_pack(os.path.join(d, "zz_synthetic.rules"), synth[:size - n_default], rng)

    # The largest lexicon, for rejecting accidental hits.
    big = Lexicon()
    for t in default_norm:
        big.add(t)
    for t in synth:
        big.add(norm(t))
    big.pats = patterns
    big.compile()

    en_ok = [w for w in EN_WORDS if not big.hits(norm(w))]
    ph_ok = [w for w in ZH_PHRASES if not big.hits(norm(w))]
    gen = TextGen(rng, hanzi_pick, Picker(en_ok, 0.8), Picker(ph_ok, 0.7))

    # Plant pool: half default literals, half synthetic of the smallest size.
    small_synth = synth[:sizes[0] - n_default]

    def plant_term():
        x = rng.random()
        if x < 0.05:
            t, ev = phone_plant(rng)
            return t, ev, "contact(pattern)"
        if x < 0.525:
            t, p = rng.choice(default_raw)
            e, ev = evade(rng, t, s2t)
            return e, ev, p
        t = rng.choice(small_synth)
        e, ev = evade(rng, t, s2t)
        return e, ev, "zz_synthetic.rules"

    n = a.messages
    n_plant = int(round(n * a.plant_rate))
    plant_idx = set(rng.sample(range(n), n_plant)) if n_plant else set()
    rejected = 0
    lens = []
    with open(os.path.join(a.outdir, "messages.txt"), "w", encoding="utf-8") as fm, \
            open(os.path.join(a.outdir, "planted.tsv"), "w", encoding="utf-8") as fp:
        fp.write("index\tterm\tevasion\tpack\n")
        for i in range(n):
            target = lognormal_len(rng, 12, 0.55, 1, 60)
            while True:
                m = gen.message(target)
                if not big.hits(norm(m)):
                    break
                rejected += 1
            if i in plant_idx:
                t, ev, src = plant_term()
                # insert at a segment boundary-ish position, keep the message short
                k = rng.randint(0, len(m))
                keep = max(0, target - len(t))
                m2 = m[:min(k, keep)]
                m = m2 + t + m[len(m2):len(m2) + max(0, keep - len(m2))]
                fp.write("%d\t%s\t%s\t%s\n" % (i, t.replace("\t", " "), ev, src))
            m = m.replace("\n", " ").replace("\r", " ")
            lens.append(len(m))
            fm.write(m + "\n")

    # Listings
    n_lplant = 0
    lbytes = 0
    with open(os.path.join(a.outdir, "listings.txt"), "w", encoding="utf-8") as fl:
        for j in range(a.listings):
            target = rng.randint(200, 2000)
            parts, n_chars = [], 0
            title = ""
            while n_chars < target:
                while True:
                    s = gen.sentence(rng.randint(10, 40))
                    if not big.hits(norm(s)):
                        break
                parts.append(s)
                n_chars += len(s) + 1
            if rng.random() < a.listing_plant_rate:
                t, ev, src = plant_term()
                parts.insert(rng.randrange(len(parts) + 1), t)
                n_lplant += 1
            text = "【" + parts[0][:20] + "】" + "。".join(parts[1:]) if len(parts) > 1 else parts[0]
            text = text[:2000].replace("\n", " ").replace("\r", " ")
            if len(text) < 200:
                text = (text + "。" + gen.sentence(200))[:200]
            lbytes += len(text.encode("utf-8"))
            fl.write(text + "\n")

    lens.sort()
    q = lambda f: lens[min(len(lens) - 1, int(f * len(lens)))] if lens else 0
    meta = {
        "seed": a.seed, "messages": n, "planted": n_plant, "listings": a.listings,
        "listings_planted": n_lplant, "listing_bytes": lbytes,
        "message_chars": {"p10": q(0.1), "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "max": q(1.0)},
        "regenerated_for_accidental_hits": rejected,
        "default_literals": n_default, "synthetic_literals": len(synth), "sizes": sizes,
        "hanzi": {"frequent": n_freq, "with_tail": len(hanzi), "term_alphabet": len(alphabet)},
        "opencc": bool(st_pairs),
    }
    with open(os.path.join(a.outdir, "meta.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
    print(json.dumps(meta, ensure_ascii=False))


if __name__ == "__main__":
    main()
