"""The table keeps within the terminal's width (or 120 columns): a long detail wraps with an indent,
a row that fits stays one line, colours do not count as columns (issue 18, item 7: lines of 391)."""

from __future__ import annotations

from eks_sg_rule.report.table import WIDTH, fit

ROW = "  WORKER_SG_MINIMUM      NON_COMPLIANT   "
DETAIL = " ".join(["node SG sg-0123456789abcdef0 does not admit TCP 10250 from the control plane"] * 5)


def test_a_row_that_fits_stays_one_line() -> None:
    assert fit(ROW, "passes", WIDTH) == [ROW + "passes"]
    assert fit(ROW, DETAIL, None) == [ROW + DETAIL]  # no width: never wrapped (JSON-like callers)


def test_a_long_detail_wraps_within_the_width_with_an_indent() -> None:
    lines = fit(ROW, DETAIL, WIDTH)

    assert len(lines) > 1
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[0].startswith(ROW)
    assert all(line.startswith(" " * 6) and not line.startswith(" " * 7) for line in lines[1:])
    assert " ".join(" ".join(lines)[len(ROW) :].split()) == DETAIL  # nothing lost, words whole


def test_colours_do_not_count_and_a_wide_row_puts_its_detail_below() -> None:
    coloured = "  X  \033[31mNON_COMPLIANT \033[0m  "
    assert fit(coloured, "a" * 100, 120) == [coloured + "a" * 100]  # 120 visible columns exactly
    wide = "  " + "f" * 100 + "  "
    lines = fit(wide, DETAIL, 120)
    assert lines[0] == wide.rstrip()
    assert all(len(line) <= 120 for line in lines)
    assert all(line.startswith(" " * 6) for line in lines[1:])


def test_a_word_longer_than_the_width_stays_whole() -> None:
    word = "x" * 150
    assert fit("  ", word, 40) == ["  " + word]
