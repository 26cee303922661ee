"""Strict encodings (issue 13): UTF-8 ± BOM and GB18030 read; Big5, Shift-JIS, UTF-16 refused
naming the likely encoding; real GB18030 files are never refused (this fixes the threshold)."""

from __future__ import annotations

from pathlib import Path

import pytest

from huifang_tui.importing import ImportFileError, read_table
from huifang_tui.importing.encoding import choose

REAL_GB = sorted((Path(__file__).parents[1] / "data" / "gb18030").glob("*.csv"))
CORPUS = Path(__file__).parents[1] / "data" / "bad"


def _windows(text: str, size: int):
    for i in range(0, max(1, len(text) - size // 2), size):
        yield text[i : i + size]


@pytest.mark.parametrize("path", REAL_GB, ids=lambda p: p.stem)
@pytest.mark.parametrize("size", [20, 40, 200, 2000, 100_000])
def test_real_gb18030_text_is_never_refused(path, size):
    """Every window of real GB18030 text (20 characters — a tiny file — up to the whole file)
    is read as GB18030 (or as UTF-8 when it is plain ASCII: the same text)."""
    text = path.read_bytes().decode("gb18030")
    for piece in _windows(text, size):
        data = piece.encode("gb18030")
        codec = choose(path, data, complete=True)
        assert codec == ("utf-8-sig" if piece.isascii() else "gb18030"), piece


def test_whole_real_files_import_as_gb18030():
    assert len(REAL_GB) >= 4
    for path in REAL_GB:
        headers, rows = read_table(path)
        assert headers == ["序号", "客户名称", "问题描述"] and sum(1 for _ in rows) > 20


TRADITIONAL = ("客戶名稱,聯絡人,地區\n臺北貿易股份有限公司,陳先生,臺北市\n高雄機械工業,林小姐,高雄市\n"
               "新竹電子科技,黃經理,新竹縣\n臺中精密機械廠,吳先生,臺中市\n")
JAPANESE = ("顧客名,担当者,地域\n株式会社サンプル,山田太郎,東京都\n有限会社テスト,佐藤花子,大阪府\n"
            "合同会社データ,鈴木一郎,神奈川県\n")


@pytest.mark.parametrize("text, encoding, named", [
    (TRADITIONAL, "big5", "Big5"),
    (TRADITIONAL, "cp950", "Big5"),
    (JAPANESE, "shift_jis", "Shift-JIS"),
    (JAPANESE, "cp932", "Shift-JIS"),
    (TRADITIONAL, "utf-16", "UTF-16"),
    (TRADITIONAL, "utf-16-le", "UTF-16"),
])
def test_foreign_encodings_are_refused_by_name(tmp_path, text, encoding, named):
    p = tmp_path / "f.csv"
    p.write_bytes(text.encode(encoding))
    with pytest.raises(ImportFileError, match=f"看起来是 {named} 编码.*CSV UTF-8.*--encoding"):
        read_table(p)
    # Naming the encoding is the way out.
    headers, rows = read_table(p, encoding=encoding)
    assert headers[0] in ("客戶名稱", "顧客名") and len(list(rows)) >= 3


def test_unknown_encoding_name(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("客户名称\n甲公司\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="未知的编码名称 “klingon”"):
        read_table(p, encoding="klingon")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_gb18030_after_the_sniffed_part_names_the_line(tmp_path, bom):
    """The encoding is judged on the first 64 kB; a later line in another encoding is still
    caught, while streaming, with its line number."""
    lines = ["客户名称,地区"] + [f"客户{i},北京" for i in range(6000)]
    data = bom + "\n".join(lines).encode("utf-8") + b"\n" + "乙公司,上海\n".encode("gb18030")
    p = tmp_path / "mix.csv"
    p.write_bytes(data)
    headers, rows = read_table(p)
    with pytest.raises(ImportFileError, match="第 6002 行附近的内容不是 UTF-8 编码"):
        list(rows)
