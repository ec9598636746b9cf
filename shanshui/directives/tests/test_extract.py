"""Directive extraction: sentences, markers, continuations, speakers, clauses, suggestions; on the
seed against a hand-labelled list of every directive sentence of the two speakers."""

from __future__ import annotations

import json

from shanshui.directives.extract import (
    clauses,
    extract_directives,
    sentences,
    suggest_categories,
    suggest_units,
)
from shanshui.directives.normalize import normalize
from shanshui.directives.tests.seed import seed_text

# (paragraph, sentence in paragraph) → speaker, explicit: every directive sentence of the seed,
# labelled by reading it. Paragraph 6 opens with a look-back (党的十八大以来…取得明显成效) and
# paragraph 8 with a statement (生态环保是一项长期性、系统性工程), neither a directive.
SEED_LABELS = {
    (3, 2): ("陈敏尔", True),  # 他强调，要深学笃用…
    (6, 2): ("陈敏尔", True),  # 要强化思想武装…
    (6, 3): ("陈敏尔", False),  # 深入领会把握…统筹山水林田湖草…
    (6, 4): ("陈敏尔", False),
    (6, 5): ("陈敏尔", False),
    (7, 0): ("陈敏尔", True),  # 要抓实重点任务…
    (7, 1): ("陈敏尔", True),  # 要持续深入抓好生态环保督察整改。
    (7, 2): ("陈敏尔", False),  # 强化政治担当…
    (7, 3): ("陈敏尔", True),
    (7, 4): ("陈敏尔", False),  # 坚持产业生态化…
    (7, 5): ("陈敏尔", True),
    (7, 6): ("陈敏尔", False),  # 紧盯重点领域…
    (7, 7): ("陈敏尔", True),
    (7, 8): ("陈敏尔", False),  # 把修复长江生态环境摆在压倒性位置…
    (7, 9): ("陈敏尔", True),
    (7, 10): ("陈敏尔", True),
    (8, 1): ("陈敏尔", True),  # 必须提高政治站位…
    (8, 2): ("陈敏尔", True),
    (8, 3): ("陈敏尔", True),
    (8, 4): ("陈敏尔", True),
    (8, 5): ("陈敏尔", True),
    (9, 0): ("胡衡华", True),  # 要更大力度推进督察问题整改…
    (9, 1): ("胡衡华", True),
    (9, 2): ("胡衡华", True),
    (9, 3): ("胡衡华", True),
    (9, 4): ("胡衡华", True),
    (9, 5): ("胡衡华", True),
}


def test_seed_precision_and_recall(record_property, capsys):
    found = extract_directives(normalize(seed_text()).text)
    got = {(d.paragraph, d.sentence): (d.speaker, d.explicit) for d in found}
    right = set(got) & set(SEED_LABELS)
    precision = len(right) / len(got)
    recall = len(right) / len(SEED_LABELS)
    attributed = sum(got[k][0] == SEED_LABELS[k][0] for k in right) / len(right)
    with capsys.disabled():
        print(
            f"\nseed directives: {len(got)} found, {len(SEED_LABELS)} labelled, "
            f"precision {precision:.2f}, recall {recall:.2f}, speakers right {attributed:.2f}"
        )
    record_property("precision", precision)
    record_property("recall", recall)
    assert precision >= 0.95 and recall >= 0.95
    assert attributed == 1.0
    assert {k: got[k][1] for k in right} == {k: SEED_LABELS[k][1] for k in right}


def test_seed_directive_text_clauses_and_continuations():
    found = extract_directives(normalize(seed_text()).text)
    by_place = {(d.paragraph, d.sentence): (i, d) for i, d in enumerate(found)}
    i, steer = by_place[(7, 1)]
    assert steer.text == "要持续深入抓好生态环保督察整改。"
    _, follow = by_place[(7, 2)]
    assert follow.continues == i and not follow.explicit
    assert follow.clauses[:2] == ["强化政治担当", "从政治上落实整改要求"]
    _, first = by_place[(3, 2)]
    assert first.text.startswith("要深学笃用习近平生态文明思想，")  # "他强调，" cut off
    _, carbon = by_place[(9, 3)]
    assert carbon.marker == "要" and "市发展改革委" in carbon.units
    assert carbon.categories == ["carbon"]


def test_speaker_holds_across_paragraphs_until_another_is_named():
    text = "张三在讲话中指出，要做好甲。\n要做好乙。\n李四强调，要做好丙。他还指出，要做好丁。"
    found = extract_directives(text)
    assert [(d.speaker, d.text) for d in found] == [
        ("张三", "要做好甲。"),
        ("张三", "要做好乙。"),
        ("李四", "要做好丙。"),
        ("李四", "要做好丁。"),
    ]


def test_pronoun_refers_to_the_last_person_named_as_speaking():
    text = "会议召开。市委书记王五出席会议并讲话。他强调，要压实责任。"
    [d] = extract_directives(text)
    assert d.speaker == "王五" and d.text == "要压实责任。"


def test_look_back_and_framing_are_not_directives():
    text = (
        "张三指出，党的十八大以来，各地认真贯彻部署要求，取得明显成效。"
        "生态环保是一项长期性工程。\n会议以电视电话会议形式召开。"
    )
    assert extract_directives(text) == []


def test_continuation_needs_a_directive_before_it_in_the_paragraph():
    found = extract_directives("张三指出，强化政治担当。\n要抓好整改。强化政治担当，落实要求。")
    assert [(d.text, d.explicit, d.continues) for d in found] == [
        ("要抓好整改。", True, None),
        ("强化政治担当，落实要求。", False, 0),
    ]


def test_markers_after_a_short_subject_and_nouns_that_are_not_markers():
    found = extract_directives("张三强调，各区县要落实属地责任。要求的内容很多。确保如期完成。")
    assert [(d.text, d.marker) for d in found] == [
        ("各区县要落实属地责任。", "要"),
        ("确保如期完成。", "确保"),
    ]


def test_headlines_are_skipped_and_offsets_point_into_the_input():
    text = "推动绿色转型 加快建设\n张三强调，要加快建设美丽之地。"
    [d] = extract_directives(text)
    assert text[d.start : d.end] == d.text == "要加快建设美丽之地。"
    assert d.paragraph == 1


def test_sentences_do_not_split_inside_quotes():
    [s] = sentences("要形成“人人关心。人人参与”的局面。")
    assert s.text == "要形成“人人关心。人人参与”的局面。"


def test_clauses_split_at_commas_and_semicolons_outside_quotes():
    assert clauses("要坚持党政同责、“一岗双责，严肃追责”；加强领导。") == [
        "要坚持党政同责、“一岗双责，严肃追责”",
        "加强领导",
    ]


def test_suggestions_use_the_table_given():
    assert suggest_units("要抓好垃圾分类和交通运输") == ["市城市管理局", "市交通运输委"]
    assert suggest_units("提升治理水平") == []  # 水 in 水平 is not water
    assert suggest_units("要治理噪声", {"噪声": ["市生态环境局"]}) == ["市生态环境局"]
    assert suggest_categories("打好蓝天、碧水保卫战") == ["air", "water"]


def test_directives_serialise_to_json():
    [d] = extract_directives("张三强调，要抓好“双碳”工作。")
    data = json.loads(json.dumps(d.as_dict(), ensure_ascii=False))
    assert data["speaker"] == "张三" and data["explicit"] is True
    assert data["clauses"] == ["要抓好“双碳”工作"]
