"""Rebuild the bad-input corpus: ``python tests/data/bad/make_corpus.py`` (files are committed;
README.md says what each must do, tests/importing/test_corpus.py checks it)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
WO = "工单编号,客户名称,联系人,联系方式,产品/服务名称,问题描述,受理时间,实际完成时间,状态"


def csv(name: str, lines: list[str], encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def main() -> None:
    # UTF-8 with BOM, but line 3 was pasted in from a GB18030 file.
    (HERE / "bom_gb18030_mix.csv").write_bytes(
        b"\xef\xbb\xbf" + "客户名称,地区\r\n甲公司,北京\r\n".encode() + "乙公司,上海\r\n".encode("gb18030"))
    csv("header_typo.csv", ["客户名陈,地区,联系人", "甲公司,北京,王经理"])
    csv("duplicate_keys.csv", [WO, "SX001,甲公司,王经理,13812345678,空调,不制冷,2024-05-01 09:00,2024-05-02 10:00,已完成",
                               "SX001,乙公司,李经理,13912345678,冰箱,异响,2024-05-03 09:00,2024-05-04 10:00,已完成"])
    csv("cell_32k.csv", [WO, "SX001,甲公司,王经理,13812345678,空调," + "长" * 32768 + ",2024-05-01 09:00,,处理中"])
    csv("markup_ansi_names.csv", ["客户名称,联系人,联系电话",
                                  "[bold red]甲公司[/],王经理,13812345678",
                                  "\x1b[31m乙公司\x1b[0m,\x1b]8;;http://x.example\x07李经理\x1b]8;;\x07,010-62345678",
                                  "丙公司[link=http://x.example]点我[/link],赵经理,0755-23456789转801"])
    (HERE / "empty.csv").write_bytes(b"")
    csv("header_only.csv", ["客户名称,事件类型,日期"])
    csv("excel_serial_dates.csv", ["合同号,客户名称,产品,销售日期", "HT001,甲公司,空调,45413", "HT002,乙公司,冰箱,45444.5"])
    wb = Workbook()
    ws = wb.active
    ws.append(["售后服务记录表"])
    ws.merge_cells("A1:C1")  # a merged title row above the header is fine
    ws.append(["工单编号", "客户名称", "问题描述"])
    ws.append(["SX001", "甲公司", "不制冷"])
    ws.append(["SX002", None, "异响"])
    ws.merge_cells("B3:B4")  # one customer for two rows: refused
    wb.save(HERE / "merged_cells.xlsx")
    trad = ["客戶名稱,聯絡人,地區", "臺北貿易股份有限公司,陳先生,臺北市", "高雄機械工業,林小姐,高雄市", "新竹電子科技,黃經理,新竹縣"]
    csv("big5.csv", trad, "big5")
    csv("shift_jis.csv", ["顧客名,担当者,地域", "株式会社サンプル,山田太郎,東京都", "有限会社テスト,佐藤花子,大阪府"], "shift_jis")
    csv("utf16.csv", ["客户名称,地区", "甲公司,北京"], "utf-16")
    csv("unclosed_quote.csv", ["客户名称,地区,联系人", "甲公司,北京,王经理", "乙公司,\"上海,李经理", "丙公司,广州,赵经理"])
    csv("ragged_row.csv", ["客户名称,地区,联系人", "甲公司,北京,王经理", "乙公司,上海", "丙公司,广州,赵经理"])
    csv("date_9999.csv", ["合同号,客户名称,产品,销售日期", "HT001,甲公司,空调,2024-05-01", "HT002,乙公司,冰箱,9999-12-31"])
    csv("bad_phones.csv", ["客户名称,联系人,联系电话", "甲公司,王经理,13812345678", "乙公司,李经理,5678",
                           "丙公司,赵经理,62345678", "丁公司,钱经理,0571-8888888 ext 12"])
    csv("formula_cells.csv", ["合同号,客户名称,产品,销售日期", "HT001,甲公司,空调,2024-05-01",
                              "=HYPERLINK(\"http://x.example\"),乙公司,冰箱,明天", "HT003,@SUM(A1),+1,-2"])
    csv("gb18030_ok.csv", ["客户名称,客户等级,地区,联系人,职务,联系电话",
                           "北京华信科技有限公司,重要,北京,王喆,技术负责人,13812345678",
                           "上海浦东机械厂,普通,上海,李堃,行政负责人,021-62345678",
                           "深圳市龙岗区赟达电子,大客户,深圳,赵昇,主要使用人员,0755-23456789"], "gb18030")
    # A real workbook plus a 50 MB entry of zeros: it declares an absurd unpacked size.
    bomb = HERE / "zip_bomb.xlsx"
    wb = Workbook()
    wb.active.append(["客户名称"])
    wb.active.append(["甲公司"])
    wb.save(bomb)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/media/padding.bin", b"\0" * (50 * 1024 * 1024))


if __name__ == "__main__":
    main()
