"""Combination questions over the plan's tables are computed from the tables (knowledge/table_answers.py)."""

from __future__ import annotations

import pytest

from knowledge.engine import ANSWERED, NO_ANSWER, FaqEngine

# (question, entry id, facts the answer must contain, names it must not contain)
COMPUTED = [
    ("WG①とWG③の両方に入っている課", "table:wg-members", ["税務課", "健康医療対策課", "2課"], []),
    ("WG②の参加課を全部", "table:wg-members", ["総務課", "地域振興課", "農林水産課", "商工観光課", "政策企画課", "5課"], ["人事課"]),
    ("ＷＧ２に参加してる課はどこ？", "table:wg-members", ["総務課", "商工観光課"], ["税務課"]),
    ("人事課が関わるWGとBPRの年度", "table:wg-of-department", ["WG③", "生成AI活用", "R4年度"], ["WG①"]),
    ("2023年度にBPRした課", "table:bpr-by-year", ["子育て支援", "保険年金", "地域振興", "土木建設"], ["人事"]),
    ("令和4年度のBPR対象はどこ", "table:bpr-by-year", ["人事", "税務", "水道", "社会教育"], ["子育て"]),
    ("ＢＰＲ 何課でやった？（2022〜2023年度）", "table:bpr-by-year", ["人事", "土木建設", "8課"], ["農林水産"]),
    ("BPRってもう何課くらいやったん？（R6まで）", "table:bpr-by-year", ["農林水産", "学校教育", "10課"], []),
    ("2023年度以降のBPR", "table:bpr-by-year", ["子育て支援", "学校教育"], ["人事"]),
    ("SNSは取組みとWGの両方にある？", "table:appearances", ["SNSの活用拡大", "WG②"], []),
    ("フロントヤード改革は計画のどことどこに出てくる？", "table:appearances", ["窓口改革", "WG①"], []),
    ("生成AIはどこに出てくる？", "table:appearances", ["生成AIの活用", "生成AIチャットボットFAQ", "WG③"], []),
    ("高齢者障がい者福祉課はどのWG", "table:wg-of-department", ["WG①", "フロントヤード改革"], ["WG②"]),
    ("高齢者障害者福祉課ってどのワーキンググループ？", "table:wg-of-department", ["WG①"], ["WG③"]),
    ("ぜいむかはどのわーきんぐぐるーぷ？", "table:wg-of-department", ["WG①", "WG③"], ["WG②"]),
    ("税務課はWG②に入ってる？", "table:wg-of-department", ["いいえ", "WG①", "WG③"], []),
    ("複数のWGに入ってる課", "table:wg-members", ["税務課", "健康医療対策課", "政策企画課", "3課"], ["人事課（"]),
    ("WG①だけに入っている課", "table:wg-members", ["市民生活課", "子育て支援課"], ["税務課、", "健康医療対策課、"]),
    ("WG③に入っていてWG①に入っていない課", "table:wg-members", ["人事課", "社会教育課", "水道課", "政策企画課"], []),
    ("WG1と3のどちらかに入っている課", "table:wg-members", ["11課"], ["総務課"]),
    ("2024年度のWG②はどうなった", "table:wg-status", ["ナッジユニット", "取組み休止"], []),
    ("3つのWG全部に入っている課は？", "table:wg-members", ["ありません"], ["税務課"]),
    ("WGに参加している課はいくつ？", "table:wg-members", ["15課"], []),
    ("政策企画課はいくつのWGに参加？", "table:wg-of-department", ["2つ", "WG②", "WG③", "事務局"], ["WG①"]),
    ("BPRをした課の中でWG③に入っている課", "table:bpr-and-wg", ["人事課", "税務課", "水道課", "社会教育課", "4課"], []),
    ("WG③の課でBPRしていないのは？", "table:bpr-and-wg", ["健康医療対策課", "政策企画課", "2課"], []),
    ("2022年度にBPRした課はどのWGに入ってる？", "table:bpr-and-wg", ["人事", "税務", "WG①", "WG③"], []),
    ("推進本部と監事会の人数は？", "table:bodies", ["47人", "11人"], []),
    ("DX推進リーダーとWGのメンバーはどこから選ばれる？", "table:bodies", ["全職員の中から選定"], []),
    ("テレワークと電子決裁はそれぞれどの改革？", "table:initiatives", ["人と組織の改革", "働き方改革", "業務プロセスの改革"], []),
    ("表①のテーマ数", "table:initiatives", ["9つ", "窓口改革"], []),
    ("業務プロセスの改革の取組みは何個", "table:initiatives", ["8つ"], []),
    ("BPRは何課で実施した？", "table:bpr-by-year", ["合計8つの課", "10課"], []),
    ("推進体制図が修正された版を全部教えて", "table:revisions", ["第1.2版", "第1.3版", "第1.41版"], ["第1.4版（"]),
    ("個別業務一覧が修正された版", "table:revisions", ["第1.41版"], ["第1.1版"]),
    ("2024年に発行された版は？", "table:revisions", ["第1.2版", "第1.3版"], ["第1.4版"]),
    ("WG③は2024年度と2025年度で何が違う？", "table:wg-status", ["電話改革", "保留", "生成AI活用"], []),
    ("備考が空欄の取組みは表①にいくつある？", "table:initiatives", ["9つ", "書かない窓口"], ["オンライン申請"]),
    ("表②と表③の取組み数", "table:initiatives", ["8つ", "5つ"], []),
    ("働き方改革と人材育成の取組み", "table:initiatives", ["テレワークの導入", "民間人材の活用", "職員研修制度の確立"], []),
    ("WG①って何課参加？", "table:wg-members", ["7課"], ["総務課"]),
    ("WG①に入っていないがWG③に入っている課", "table:wg-members", ["人事課", "政策企画課"], ["税務課、", "市民生活課"]),
    ("WG①とWG③に共通しない課", "table:wg-members", ["市民生活課", "人事課"], ["税務課、", "健康医療対策課、"]),
    ("WG②以外のWGに入っている課", "table:wg-members", ["市民生活課", "人事課", "政策企画課"], ["総務課"]),
    ("WGに参加していない課でBPRをした課", "table:bpr-and-wg", ["土木建設", "学校教育"], ["人事（"]),
    ("WGに入っているがBPRしていない課", "table:bpr-and-wg", ["市民生活課", "政策企画課"], ["人事課、"]),
    ("第2WGの参加課", "table:wg-members", ["総務課"], ["税務課"]),
    ("WG(3)には何課", "table:wg-members", ["6課"], []),
    ("高齢障がい者福祉課のWG", "table:wg-of-department", ["WG①"], []),
    ("土木建設課はWGに入ってる？", "table:wg-of-department", ["いいえ", "書かれていません"], []),
    ("健康医療対策課はBPRした？", "table:bpr-of-department", ["いいえ", "含まれていません"], []),
    ("表③の取組みを全部", "table:initiatives", ["テレワークの導入", "スマートシティの実現", "5つ"], ["オンライン申請"]),
    ("表①〜③の取組みは全部でいくつ", "table:initiatives", ["28個", "15個", "8つ", "5つ"], []),
    ("副市長が入っている組織", "table:bodies", ["スマートシティ江津推進本部", "推進本部監事会"], []),
    ("全職員の中から選ばれるのは何？", "table:bodies", ["ワーキンググループ", "DX推進リーダー"], ["DX推進委員会"]),
    ("本部に報告する役割があるのは誰？", "table:bodies", ["ワーキンググループ", "DX推進リーダー"], ["監事会"]),
    ("9月30日に発行された版は？", "table:revisions", ["第1.1版", "第1.3版", "第1.41版"], ["第1.2版"]),
    # A month without a day: every version issued in that month (of that year, when one is named).
    ("9月に出た版", "table:revisions", ["第1.1版", "第1.3版", "第1.41版"], ["第1.2版", "第1.4版"]),
    ("2024年3月に発行された版", "table:revisions", ["第1.2版"], ["第1.0版", "第1.4版"]),
    ("3月に発行された版は何個", "table:revisions", ["4つ", "第1.0版", "第1.5版"], ["第1.3版"]),
    # The denied side is the one the negation follows: here the WG, not BPR.
    ("WG①に入っていない課でBPRした課", "table:bpr-and-wg", ["人事（R4年度）", "土木建設（R5年度）"], ["子育て支援（", "保険年金（"]),
    ("R4にBPRした課でWG③に参加していない課", "table:bpr-and-wg", ["ありません"], ["健康医療対策課"]),
    # the others of a department's BPR year or of its WGs
    ("人事課と同じ年度にBPRをやった課は", "table:bpr-of-department", ["税務", "水道", "社会教育"], ["子育て支援"]),
    ("政策企画課と同じWGに入っている課", "table:wg-of-department", ["総務課", "人事課"], ["市民生活課"]),
    # which bodies fit, asked without a question word; the WGs of BPR departments by name
    ("本部の活動をサポートするのは？", "table:bodies", ["推進本部監事会"], ["ワーキンググループ"]),
    ("第1.2版の発行日は", "table:revisions", ["2024年3月26日"], ["2024年9月30日"]),
    # the staff's words for the plan's: 組織図 for 推進体制図, 見た目 for デザイン, 業務分析 for BPR
    ("組織図が直った版は？", "table:revisions", ["第1.2版", "第1.3版", "第1.41版"], ["第1.4版（"]),
    ("見た目が変わった版", "table:revisions", ["第1.1版", "第1.2版"], ["第1.3版"]),
    ("令和5年度に業務分析をした課", "table:bpr-by-year", ["子育て支援", "土木建設"], ["人事"]),
    # the WGs of 2025年度 against 2024年度, by name
    ("2024年度から消えたWGはどれ？前の年から減ったの？", "table:wg-status", ["ナッジユニット", "データ利活用", "2つ減"], []),
    ("新しくできたWGに参加している課", "table:wg-status", ["総務課", "人事課"], ["市民生活課"]),
    # one WG only; in both (「…にも…にも」); in neither
    ("WGに1つだけ入っている課は何課", "table:wg-members", ["12課", "市民生活課"], ["税務課（"]),
    ("WG②の課でWG③にも入ってる課は？", "table:wg-members", ["政策企画課の1課"], ["総務課、"]),
    ("WG①にもWG②にも入っていない課", "table:wg-members", ["人事課", "社会教育課", "水道課"], ["税務課、", "市民生活課"]),
    ("WG②とWG③のどちらにも入っていない課", "table:wg-members", ["市民生活課", "子育て支援課"], ["税務課、", "総務課"]),
    # posts in both bodies; two bodies compared; versions without a change; how many times a kind of change
    ("監事会と推進本部の両方に入っている人は誰", "table:bodies", ["副市長、参事"], []),
    ("WGとDX推進リーダーはどう違う？", "table:bodies", ["10名程度", "全職員の中から選定"], []),
    ("推進体制図が修正されていない版", "table:revisions", ["第1.0版", "第1.4版（", "第1.5版"], ["第1.3版（"]),
    ("デザインの変更は何回あった？", "table:revisions", ["2回"], []),
    ("取組みが3つあるテーマは？", "table:initiatives", ["事務のペーパーレス化", "情報発信"], ["教育環境の向上"]),
    # a count with the list of BPR departments outside the WGs; when a change was made
    ("WGにいないBPR対象課はいくつ", "table:bpr-and-wg", ["土木建設", "学校教育", "2課"], []),
    ("体制図が直されたのはいつ？", "table:revisions", ["第1.2版", "第1.3版", "第1.41版"], ["第1.4版（"]),
    # 2024年度 WGs neither paused nor on hold; WGs in both years
    ("2024年度のWGで休止でも保留でもないのは？", "table:wg-status", ["WG①", "WG⑤"], ["WG②、", "WG④、"]),
    ("2024年度にも2025年度にもあるWGは", "table:wg-status", ["フロントヤード改革", "2025年度のWG②と③で実施"], []),
    # the other initiatives of one's theme or table
    ("チャットツールの活用と同じテーマの取組みは？", "table:initiatives", ["電話改革"], ["ナッジ理論"]),
    ("校務支援システムの導入と同じ表の取組み", "table:initiatives", ["MaaSの導入", "オンライン申請"], ["電子決裁"]),
    ("ワーキンググループに参加している課は？", "table:wg-members", ["15課", "市民生活課", "政策企画課"], []),
    # a range of tables is not a theme number (「表①〜③のテーマ」 is not table ①'s theme ③)
    ("表①〜③のテーマの数は？", "table:initiatives", ["16個"], []),
    ("表①～表③のテーマを数えて", "table:initiatives", ["16個"], []),
    ("R5のBPR対象課はそれぞれどのWGに入ってる", "table:bpr-and-wg", ["フロントヤード改革", "SNS情報発信"], []),
    ("生成AIが関係する取組みとWGは？", "table:appearances", ["生成AIの活用", "チャットボット", "WG③"], []),
    ("ナッジ理論はどのテーマで、ナッジのWGはどうなった？", "table:wg-status", ["事業効果の向上", "休止"], []),
    ("BPRはいつからやってる", "table:bpr-by-year", ["R4年度（2022年度）から"], []),
    ("2025年度に開かれてない会議体ってある？", "table:bodies", ["DX推進委員会", "未開催"], []),
    ("福祉系の課はどのWG？", "table:wg-of-department", ["社会福祉課", "高齢者障がい者福祉課", "WG①"], []),
    ("WG②とWG③のテーマ", "table:wg-members", ["SNS情報発信", "生成AI活用"], ["ナッジユニット"]),
    ("初版から何回改訂された？", "table:revisions", ["6回"], []),
    ("アクションプランの版は全部でいくつ？", "table:revisions", ["7つ", "第1.41版"], []),
    ("参事はどの組織に入っている？", "table:bodies", ["スマートシティ江津推進本部", "推進本部監事会"], []),
    ("副市長は推進本部で何？", "table:bodies", ["副CDO"], ["会長"]),
    ("電話改革は取組みとWGのどちらにある？", "table:appearances", ["コミュニケーションの改革", "WG③"], []),
    ("2024年度のWG⑤はその後どうなりましたか", "table:wg-status", ["2025年度のWG②と③で実施"], []),
    # a status asked of all the 2024年度 WGs: every WG that has it, not the first entry that mentions one
    ("休止中のWGは", "table:wg-status", ["WG②（ナッジユニット）", "WG④（データ利活用）", "2つ"], ["WG③"]),
    ("2024年度に休止したWGはいくつ", "table:wg-status", ["2つ"], ["5つ"]),
    ("保留になったWGは？", "table:wg-status", ["WG③（電話改革）"], ["WG②"]),
    ("WG②の名前は2024と2025で違う？", "table:wg-status", ["ナッジユニット", "SNS情報発信"], []),
    ("WG③の人数", "table:bodies", ["1名~10名程度"], []),
    ("推進本部と監事会は合わせて何人", "table:bodies", ["58人"], []),
    ("テーマはいくつ", "table:initiatives", ["16", "表①", "表③"], []),
    ("テーマを全部教えて", "table:initiatives", ["16個", "働き方改革", "窓口改革"], []),
    # a table or a theme by its number
    ("表①の3番目のテーマ", "table:initiatives", ["情報発信", "HP改革"], ["MaaS"]),
    ("表②の②のテーマの取組み", "table:initiatives", ["事務のペーパーレス化", "電子決裁"], []),
    ("2つ目の改革のテーマ", "table:initiatives", ["業務プロセスの改革", "4つ"], ["働き方改革"]),
    ("テーマ②の取組み", "table:initiatives", ["マイナンバーカードの利用拡大", "事務のペーパーレス化", "人材育成"], []),
    ("備考が空欄の取組みは", "table:initiatives", ["16個", "民間人材の活用", "電話改革"], ["オンライン申請"]),
    ("表②で備考があるのは", "table:initiatives", ["2つ", "チャットツールの活用"], ["電子決裁"]),
    # a yes/no over a year or over all of a WG says yes or no first
    ("人事課はR5年度にBPRした？", "table:bpr-of-department", ["いいえ", "R4年度"], []),
    ("水道課は2022年度にBPR？", "table:bpr-of-department", ["はい"], []),
    ("WG③の課は全部BPRした？", "table:bpr-and-wg", ["いいえ", "健康医療対策課、政策企画課"], []),
    # a negated overlap is the one-sided set, not the overlap
    ("WG①とWG③で重複してない課", "table:wg-members", ["どちらか一方だけ", "9課"], ["税務課"]),
    ("WG①に入ってWG③に入ってない課", "table:wg-members", ["市民生活課", "5課"], ["税務課"]),
    ("窓口改革のテーマに入ってる取組みを全部", "table:initiatives", ["オンライン申請", "リモート窓口", "4つ"], ["WG①"]),
    ("情報発信の取組みは何個", "table:initiatives", ["3つ", "HP改革"], []),
    ("WG③にしか入ってない課", "table:wg-members", ["人事課、社会教育課、水道課"], ["健康医療対策課"]),
    ("WG②だけに入っていて、ほかのWGには入っていない課", "table:wg-members", ["4課"], ["政策企画課"]),
    ("2022年度と2023年度で何課BPRした？", "table:bpr-by-year", ["8課", "合計8つの課"], []),
    ("課長は推進本部でどういう立場？", "table:bodies", ["本部員"], []),
    # counted from the revision history, the WGs and the BPR table
    ("第1.1版の改訂点はいくつ", "table:revisions", ["3点"], []),
    ("推進体制図が修正されたのは何回", "table:revisions", ["3回", "第1.41版"], []),
    ("個別業務一覧が追記されたのは何回", "table:revisions", ["5回"], []),
    ("2025年に何回改訂", "table:revisions", ["2回"], []),
    # yes or no for one version's change, from its row
    ("第1.4版で推進体制図は修正された？", "table:revisions", ["いいえ", "第1.41版"], []),
    ("第1.41版で個別業務一覧は修正された？", "table:revisions", ["はい"], []),
    ("第1.3版でKPIは追記された？", "table:revisions", ["いいえ", "第1.2版"], []),
    ("テレワークと民間人材の活用は同じテーマ？", "table:initiatives", ["はい。同じテーマです", "働き方改革"], []),
    ("電子決済と電子決裁は同じ改革？", "table:initiatives", ["いいえ。別の改革"], []),
    ("WG全体で延べ何課", "table:wg-members", ["延べ18課", "15課"], []),
    ("BPRを2回やった課はある？", "table:bpr-by-year", ["いいえ"], []),
    ("取組みが1つだけのテーマは", "table:initiatives", ["8つ", "ナッジ理論"], []),
    ("取組みが一番多いテーマは", "table:initiatives", ["窓口改革", "4つ"], []),
    ("2024年度と2025年度のWGの数", "table:wg-status", ["2024年度は5つ", "2025年度は3つ"], []),
    ("税務課と人事課の共通のWG", "table:wg-of-department", ["WG③（生成AI活用）です"], ["はい"]),
    ("総務課と政策企画課は同じWG？", "table:wg-of-department", ["はい。", "WG②"], ["事務局"]),
    ("商工観光課と水道課の共通のWGは", "table:wg-of-department", ["ありません"], []),
    ("WG④は2025年度もある？", "table:wg-status", ["いいえ。2025年度のWGにWG④（データ利活用）はありません", "取組み休止"], []),
    ("DX推進リーダー養成は2025年度どこでやる", "table:wg-status", ["2025年度のWG②と③で実施"], []),
    # a department the plan does not have is not a typo of one that shares two letters (情報政策課, 政策企画課)
    ("情報政策課はどのWG", "table:wg-of-department", ["情報政策課は書かれていません"], ["政策企画課"]),
    # counted or compared from the bodies' table
    ("推進本部の役割はいくつ", "table:bodies", ["3つ"], []),
    ("推進本部は監事会より何人多い", "table:bodies", ["36人"], []),
    ("一番人数が多い組織は", "table:bodies", ["スマートシティ江津推進本部（47人）"], []),
    # the fields two years share (none), not both years' lists as if they were the answer
    ("R4とR6の両方でBPRの対象になった課", "table:bpr-by-year", ["両方でBPRの対象になった課はありません"], []),
    # 「重複なし」 asks for the union, not the departments in two WGs
    ("WGの参加課を重複なしで数えると何課", "table:wg-members", ["全部で15課"], ["複数のWG"]),
    # a question that ends on WG asks the WGs of those departments
    ("R5にBPRした課の入っているWG", "table:bpr-and-wg", ["子育て支援（R5年度のBPR）：WG①"], []),
    # the whole a part is counted from
    ("2024年度にWGはいくつあって、保留は何個", "table:wg-status", ["WG③（電話改革）の1つ", "全部で5つ"], []),
    ("2024年度、保留になってないWGの数", "table:wg-status", ["の4つです"], []),
    ("BPRした課のうちWGに入ってるのは何課", "table:bpr-and-wg", ["8課"], []),
    # the WGs a department is not in
    ("政策企画課が参加してないWGはどれ", "table:wg-of-department", ["政策企画課が参加していない2025年度のWGは、WG①"], []),
    # 「除く」 of 「重複除く」 is not 「WG①を除く」
    ("WG①とWG②とWG③の課を重複除いて数えると", "table:wg-members", ["合わせて、", "15課"], []),
    ("WG②とWG③で何課", "table:wg-members", ["5課", "6課", "合わせて10課"], []),
    # a word of the departments' names: all of them are outside that WG
    ("WG③に福祉の課は入ってる？", "table:wg-of-department", ["いいえ。社会福祉課"], []),
    # a body named by its members, the question ending on the kind of body
    ("各課職員1名がメンバーになっている組織", "table:bodies", ["DX推進委員会"], ["ワーキンググループ"]),
    # a dash typed for ー inside a katakana word
    ("ワーキンググル‐プ②の参加課", "table:wg-members", ["総務課", "政策企画課"], []),
    # as a WG and as an initiative: both places, and what became of the 2024年度 WG
    ("電話改革って取組みでもWGでも出てくる？", "table:appearances", ["コミュニケーションの改革", "保留"], []),
    ("電話改革はWGにも取組みにもあるの", "table:wg-status", ["コミュニケーションの改革", "保留"], []),
    ("データ利活用はWGと取組みのどっちにある", "table:wg-status", ["取組み休止"], []),
    # themes by a lower bound of initiatives, in one table named without 「の改革」
    ("人と組織のテーマで取組みが2つ以上あるもの", "table:initiatives", ["働き方改革", "人材育成"], ["組織の在り方検討"]),
    # what two versions' rows share, a line that says more in its brackets counting as the same change
    ("第1.2版と第1.41版に共通する改訂", "table:revisions", ["推進体制図の修正"], []),
    # 「直した」 read as 修正, and as any change
    ("個別業務一覧を直したのはどの版", "table:revisions", ["第1.41版", "手が入った版は6つ"], []),
    # the number of WGs of one year, the latest with no year named; not how often they meet
    ("WGって今いくつあるの", "table:wg-status", ["2025年度のWGは3つ"], []),
    ("2024年度はWGがいくつあった", "table:wg-status", ["2024年度のWGは5つ"], []),
    # 「両方に入っていない」: in neither, and the one-sided ones after
    ("WG②とWG③の両方に入ってない課", "table:wg-members", ["どれにも参加していない課は、市民生活課", "どちらか一方だけ"], []),
    # a 2024年度 WG named by name is gone from 2025年度 even where its number is reused (WG③ is 生成AI活用 now)
    ("電話改革のWGって2025年度も続いてる？", "table:wg-status", ["いいえ。2025年度のWGにWG③（電話改革）はありません", "保留"], []),
    # the first or last version that made a change, and the contents of the versions of a month
    ("推進体制図が一番最近修正されたのはいつ", "table:revisions", ["第1.41版"], ["第1.2版"]),
    ("推進体制図が初めて直された日", "table:revisions", ["第1.2版（2024年3月26日"], ["第1.3版"]),
    ("個別業務一覧の追記された回数", "table:revisions", ["回（"], []),
    ("2024年9月の改訂内容", "table:revisions", ["第1.3版（2024年9月30日：", "推進体制図の修正"], []),
    # the version before the latest
    ("一つ前の版っていつのもの？", "table:revisions", ["1つ前は、第1.41版（2025年9月30日"], []),
    # what the notes say, not only which initiatives have one
    ("表③の備考に書いてある内容は全部", "table:initiatives", ["テレワークの導入（備考：システムと制度の構築）"], []),
    # a post in a body, asked as yes or no: that body's list, and where the post does sit
    ("教育長って監事会のメンバー？", "table:bodies", ["いいえ。", "挙げられていません", "スマートシティ江津推進本部"], []),
    ("参事は監事会に入っている？", "table:bodies", ["はい。"], []),
    # a number to confirm: yes or no with the count
    ("R4のBPRの対象は4課？", "table:bpr-by-year", ["はい。", "4課です"], []),
    ("2024年度にBPRした課は3つ？", "table:bpr-by-year", ["いいえ。", "2課です"], []),
    # an initiative's table asked as yes or no
    ("電子決裁は市民サービスの改革？", "table:initiatives", ["いいえ。", "表②「業務プロセスの改革」"], []),
    ("MaaSの導入は表①？", "table:initiatives", ["はい。"], []),
    # 「AIのWG」 is WG③ (生成AI活用), the only WG about AI
    ("AIのワーキンググループに入ってる課は", "table:wg-members", ["WG③（生成AI活用）", "人事課"], []),
    # the WG with the most or fewest departments
    ("参加している課が一番少ないWG", "table:wg-members", ["WG②（SNS情報発信）の5課"], []),
    # 「入った」 is 追記
    ("KPIが入ったのはどの版", "table:revisions", ["第1.2版"], ["第1.1版"]),
    # staff words: 作業部会 is a WG, 業務の棚卸し is BPR
    ("作業部会②に入っている課", "table:wg-members", ["総務課", "政策企画課"], []),
    ("業務の棚卸しをR6にやった課", "table:bpr-by-year", ["農林水産、学校教育"], []),
    # a sum asked with 足す
    ("監事会と推進本部の人数を足した数", "table:bodies", ["合わせて58人"], []),
    # three kanji the members' text shares (全職員)
    ("全職員の中から選ばれるのはどの組織", "table:bodies", ["ワーキンググループ", "DX推進リーダー"], []),
]


@pytest.mark.parametrize(("question", "entry_id", "facts", "absent"), COMPUTED)
def test_combination_questions_are_computed(
    plan_engine: FaqEngine, question: str, entry_id: str, facts: list[str], absent: list[str]
) -> None:
    result = plan_engine.match(question)
    assert result.status == ANSWERED and result.entry is not None, result
    assert result.entry.id == entry_id
    for fact in facts:
        assert fact in result.entry.answer, (fact, result.entry.answer)
    # Names that must not be in the result itself (the first sentence; a breakdown may follow it).
    for name in absent:
        assert name not in result.entry.answer.split("。")[0], (name, result.entry.answer)
    assert result.entry.source


@pytest.mark.parametrize(
    ("question", "statement"),
    [
        ("WG④の参加課は？", "計画には2024年度のWGの参加課は書かれていません"),
        ("2025年度のBPRはどの課？", "計画には2025年度のBPRの対象は書かれていません"),
        ("WG①の座長は誰？", "計画には座長が誰かは書かれていません"),
        ("税務課のWGでの役割は？", "計画には課ごとの役割は書かれていません"),
        ("人事課のBPRの結果は？", "計画にはBPRやWGの結果は書かれていません"),
        ("R5のBPRの成果", "計画にはBPRやWGの成果は書かれていません"),
        ("2022年度のWGは何があった", "計画には2022年度のWGは書かれていません"),
        ("2026年度のWGは？", "計画には2026年度のWGは書かれていません"),
        ("R3年度のBPR", "計画には2021年度のBPRの対象は書かれていません"),
        ("どのWGにも入ってない課は", "計画には市のすべての課の一覧はない"),
        ("WGもBPRもやっていない課はどこ", "計画には、BPRの対象にもWGの参加課にも入っていない課の一覧は書かれていません"),
        # BPR and WG in one question the tables cannot read as one: not the BPR half given as the whole
        ("R6のBPR対象とWGのつながり", "BPRとWGを組み合わせたこの質問には、表から答えを決められませんでした"),
        ("R4でBPRした課はWGで何をしてる", "計画には取り組んでいる内容は書かれていません"),
        ("WGの開催回数は年何回？", "計画には頻度や回数は書かれていません"),
    ],
)
def test_what_the_tables_do_not_have_is_said_and_not_answered(plan_engine: FaqEngine, question: str, statement: str) -> None:
    result = plan_engine.match(question)
    assert result.status == NO_ANSWER and result.entry is None
    assert result.note is not None and result.note.startswith(statement), result.note


@pytest.mark.parametrize(
    "question",
    ["BPRとは", "WGの役割は？", "総務課はDX推進委員会に入っている？", "最新版は何版？", "第1.3版の改訂内容", "電子決済と電子決裁の違いは？", "推進体制図でWGの下に書かれている課名は何を表していますか？", "BPRの推進はどのテーマ？",
     "BPRやってない課はDXに手をつけちゃダメ？", "人事異動はいつ", "WG1つあたりのメンバーは何人",
     "表①〜③の取り組みは増えるだけ？", "表①〜③の取組みは必ず実施するの？",
     # a body's role shares only a name with the question, or the question asks for a STEP, not a body
     "アクションプランを作ったのは誰", "業務の課題を明らかにするのは何STEP"],
)
def test_questions_that_only_mention_a_table_are_left_to_the_entries(plan_engine: FaqEngine, question: str) -> None:
    result = plan_engine.match(question)
    assert result.entry is None or not result.entry.id.startswith("table:"), result.entry


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        # everyday words for an initiative's concept (the glossary): how staff and residents say them
        ("テレビ電話の窓口ってできる？", "r1-remote-madoguchi"),
        ("現金以外で払えるようになる？", "r1-cashless"),
        ("自宅で仕事できるようになる？", "r3-telework"),
    ],
)
def test_everyday_words_reach_the_initiative(plan_engine: FaqEngine, question: str, entry_id: str) -> None:
    result = plan_engine.match(question)
    assert result.status == ANSWERED and result.entry is not None and result.entry.id == entry_id, result


def test_outside_experts_are_the_plan_s_external_experts(plan_engine: FaqEngine) -> None:
    """「外部の専門家」 is how staff say the plan's 外部有識者 (glossary)."""
    result = plan_engine.match("評価のとき外部の専門家に意見をもらう？")
    assert result.status == ANSWERED and result.entry is not None and "外部有識者" in result.entry.answer, result


def test_reviewing_the_flow_of_work_is_bpr(plan_engine: FaqEngine) -> None:
    """「業務の流れを見直す」 is how staff describe BPR (glossary)."""
    result = plan_engine.match("業務の流れを見直すやり方って何？")
    assert result.status == ANSWERED and result.entry is not None and "BPR" in result.entry.answer, result


def test_people_from_companies_are_the_plan_s_private_sector_talent(plan_engine: FaqEngine) -> None:
    """「企業出身の人」 is the plan's 民間人材 (glossary)."""
    result = plan_engine.match("企業出身の人材を入れる取組みは？")
    assert result.status == ANSWERED and result.entry is not None and "民間人材" in result.entry.answer, result
