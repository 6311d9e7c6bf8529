"""The words of the pages (public and console) in Chinese (the default) and English.

Only the pages' own words live here: what a state, action, order type, channel, role… is called
comes from the domain's labels (workorders/labels.py), read through `Words`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from quarterhour.entrypoints.web import messages, refusals
from quarterhour.errors import DomainError
from quarterhour.workorders import labels
from quarterhour.workorders.labels import Label

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("电价与服务承诺公开", "Tariffs and service commitments"),
    "on": ("公开日期", "In force on"),
    "tariffs": ("现行电价", "Tariffs in force"),
    "tariff": ("电价", "Tariff"),
    "region": ("地区", "Region"),
    "from": ("执行起始", "Since"),
    "structure": ("计价方式", "Structure"),
    "base": ("基础电价（元/千瓦时）", "Base price (yuan/kWh)"),
    "tiers": ("阶梯", "Tiers"),
    "tou": ("峰谷电价（元/千瓦时）", "Peak / valley (yuan/kWh)"),
    "source": ("依据", "Source"),
    "unverified": ("示例数据，未经核实", "sample figures, not verified"),
    "none": ("单一电价", "flat price"),
    "monthly": ("月阶梯", "monthly tiers"),
    "annual": ("年阶梯（按年累计）", "annual tiers (cumulative over the year)"),
    "late_fees_rule": ("电费违约金", "Late fees"),
    "late_fee_residential": ("居民用户", "Households"),
    "late_fee_current_year": ("其他用户：当年欠费部分", "Others: arrears of the current year"),
    "late_fee_earlier_years": (
        "其他用户：跨年度欠费部分",
        "Others: arrears carried over from earlier years",
    ),
    "per_day": ("每日按欠费的", "per day, of what is unpaid:"),
    "late_fee_how": (
        "自缴费期限届满次日起至交纳日止按日计算；跨年度欠费于12月31日分段计算；每次结算（一笔缴费、或当日查询）的违约金合计四舍五入到分，不足{minimum}元的按{minimum}元收取。",
        "Counted for every day from the day after the due date to the day of payment; arrears crossing a year end are split at 31 December; each settlement (a payment, or today's inquiry) is rounded to the fen once and is at least {minimum} yuan.",
    ),
    "commitments": ("服务承诺时限", "Service commitments"),
    "policy": ("时限标准", "Policy"),
    "type": ("业务类型", "Kind of request"),
    "area": ("区域", "Area"),
    "step": ("环节", "Step"),
    "limit": ("时限", "Time limit"),
    "follow_up_heading": ("办结后回访", "Follow-up after completion"),
    "yes": ("必须回访", "always"),
    "no": ("按需", "when configured"),
    "switch": ("English", "中文"),
    "all": ("—", "—"),
    "yuan_kwh": ("元/千瓦时", "yuan/kWh"),
    "kwh": ("千瓦时", "kWh"),
    "base_price": ("基础电价", "base price"),
}

# The console: pages, menus, fields, messages.
_CONSOLE: dict[str, tuple[str, str]] = {
    "app": ("供电一刻钟", "Quarter Hour"),
    "console": ("客户服务工作台", "Service console"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong username or password"),
    "too_many_logins": (
        "登录失败次数过多，请15分钟后再试",
        "Too many failed logins; try again in 15 minutes",
    ),
    "session_ended": ("会话已结束，请重新登录", "Your session has ended; log in again"),
    "forbidden": ("无权访问", "Not allowed"),
    "forbidden_text": ("您的角色不能查看或执行此操作。", "Your role may not see or do this."),
    "not_found": ("未找到", "Not found"),
    "no_such_page": (
        "没有这个页面：地址可能输错了，或页面已不在此处。请从菜单进入。",
        "There is no such page: the address may be mistyped, or the page has moved. Use the menu.",
    ),
    "conflict": ("操作冲突", "Conflict"),
    "error": ("出错了", "Something went wrong"),
    "too_large": ("提交的内容过大", "Too large"),
    "too_large_text": (
        "提交的内容超过了 {size} 的上限，未被接收。",
        "What was sent is larger than the limit of {size} and was not taken.",
    ),
    "back": ("返回", "Back"),
    "nav_desk": ("受理台", "Intake desk"),
    "nav_orders": ("工单", "Work orders"),
    "nav_my_work": ("我的工单", "My work"),
    "nav_review": ("待审核", "To review"),
    "choose_one": ("请选择", "Choose one"),
    "nav_to_reply": ("待答复", "To reply"),
    "nav_follow_ups": ("待回访", "Follow-ups"),
    "nav_escalated": ("督办", "Escalated"),
    "nav_customers": ("客户", "Customers"),
    "nav_billing": ("电费核算", "Billing"),
    "nav_dashboard": ("质量看板", "Dashboard"),
    "nav_admin": ("系统管理", "Administration"),
    "nav_disclosure": ("电价与承诺", "Tariffs and commitments"),
    "all_open": ("全部在办", "All open"),
    "filter": ("筛选", "Filter"),
    "clear": ("清除", "Clear"),
    "any": ("全部", "Any"),
    "overdue": ("已超期", "Overdue"),
    "escalated": ("已督办", "Escalated"),
    "provisional": ("暂定时限", "provisional deadline"),
    "due_before": ("截止不晚于", "Due by"),
    "sort": ("排序", "Sort"),
    "sort_due": ("最近截止", "Nearest deadline"),
    "sort_newest": ("最新受理", "Newest"),
    "sort_oldest": ("最早受理", "Oldest"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 Excel", "Export XLSX"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page": ("第 {n} 页", "Page {n}"),
    "nothing": ("没有符合条件的工单", "No orders match"),
    "number": ("工单号", "Order number"),
    "order_type": ("类型", "Type"),
    "order_title": ("标题", "Title"),
    "state": ("状态", "State"),
    "department": ("部门", "Department"),
    "district": ("区域", "District"),
    "customer": ("客户", "Customer"),
    "phone": ("电话", "Phone"),
    "accepted_at": ("受理时间", "Accepted"),
    "due_at": ("截止时间", "Due"),
    "follow_up_due": ("回访截止", "Follow-up due"),
    "time_left": ("剩余时间", "Time left"),
    "rework_count": ("重办次数", "Reworks"),
    "channel": ("渠道", "Channel"),
    "contact": ("受理记录", "Contact"),  # not 来电: a contact may come by web, letter, counter
    "account": ("户号", "Account"),
    "description": ("内容", "Description"),
    "deadlines": ("时限", "Deadlines"),
    "history": ("处理过程", "History"),
    "related": ("同一受理记录的其他工单", "Other orders of the same contact"),
    "actions": ("可执行操作", "Actions"),
    "no_actions": ("您在此状态下没有可执行的操作。", "Nothing you may do in this state."),
    "met": ("已完成", "met"),
    "late": ("超时", "late"),
    "open_deadline": ("进行中", "running"),
    "note": ("备注", "Note"),
    "result": ("处理结果", "Result"),
    "reply_method": ("答复方式", "Replied by"),
    "outcome": ("回访结果", "Outcome"),
    "at": ("发生时间（留空为现在）", "When (empty: now)"),
    "claimed": ("所报时间 {at}", "claimed {at}"),
    "paused_since": ("等待客户办理，计时暂停自", "Waiting for the customer; clock paused since"),
    "paused_days": ("客户办理 {n} 个工作日不计", "{n} working days with the customer not counted"),
    "claim_beyond": (
        "补录超过 {n} 分钟，时限按录入时间计",
        "entered more than {n} minutes later: deadlines count the entry time",
    ),
    "crew": ("班组", "Crew"),
    "suggested": ("建议", "suggested"),
    "stale": (
        "工单已被他人更新（当前状态：{state}）。您填写的内容已保留，请核对后重新提交。",
        "Someone else changed this order (now: {state}). What you typed is kept; check and send again.",
    ),
    "your_draft": (
        "您为“{action}”填写的内容（未保存）",
        "What you typed for “{action}” (not saved)",
    ),
    "done": ("已完成：{action}", "Done: {action}"),
    "overdue_by": ("超期 {span}", "{span} overdue"),
    "left": ("剩 {span}", "{span} left"),
    "days": ("{n}天", "{n} d"),
    "hours_short": ("{n}小时", "{n} h"),
    "minutes_short": ("{n}分钟", "{n} min"),
    # --- order page (issue 13)
    # Where to go and whom to call, first; the account's bills with their readings and payments.
    "where_and_who": ("服务地址与联系人", "Where and whom to call"),
    "service_address": ("服务地址", "Service address"),
    "no_address": ("未登记服务地址", "No service address recorded"),
    "account_address": ("户号用电地址", "The account's address"),
    "caller_contact": ("联系人", "Contact"),
    "addressed_ms": ("{surname}女士", "Ms {surname}"),
    "addressed_mr": ("{surname}先生", "Mr {surname}"),
    "call_number": ("拨打 {phone}", "Call {phone}"),
    "customer_record": ("客户资料", "Customer record"),
    "account_bills": ("账单", "Bills"),
    "bill_context": ("查看账单、抄表与缴费", "Bills, readings and payments"),
    "bill_context_hint": (
        "本单涉及电费：各月示数、电量、缴费与违约金见户号 {account} 的账单。",
        "This order is about a bill: the months' readings, kWh, payments and late fees are on"
        " account {account}'s bills.",
    ),
    "no_account": (
        "本单未关联户号，可在客户资料中查看其户号与账单。",
        "No account was given with this order: the customer record lists the caller's accounts"
        " and bills.",
    ),
    "bills_heading": ("账单（近12个月）", "Bills (the last 12 months)"),
    "reading_current": ("本次示数", "Current"),
    "consumption": ("用电量（千瓦时）", "Used (kWh)"),
    "reading_estimated": ("估抄", "estimated"),
    "no_reading": ("无抄表记录", "no reading"),
    "paid_amount": ("已缴（元）", "Paid (yuan)"),
    "late_fee": ("违约金（元）", "Late fee (yuan)"),
    "bill_status": ("缴费状态", "Status"),
    "bill_paid": ("已缴清", "paid"),
    "bill_part_paid": ("部分缴纳", "part paid"),
    "bill_unpaid": ("未缴", "unpaid"),
    "bill_overdue": ("逾期未缴", "overdue"),
    "payments": ("缴费记录（近12笔）", "Payments (the last 12)"),
    "staff": ("员工与角色", "Staff and roles"),
    "full_name": ("姓名", "Name"),
    "unit_name": ("名称", "Name"),
    "district_name": ("区域名称", "District name"),
    "department_name": ("部门名称", "Department name"),
    "policy_name": ("时限标准名称", "Policy name"),
    "role": ("角色", "Role"),
    "active": ("启用", "Active"),
    "yes_short": ("是", "yes"),
    "no_short": ("否", "no"),
    "lookup": ("查找来电客户", "Find the caller"),
    "lookup_hint": (
        "电话、尾号四位、户号、姓名或地址",
        "phone, its last 4 digits, account, name or address",
    ),
    "find": ("查找", "Find"),
    "choose": ("选择", "Choose"),
    "no_caller": ("没有找到，可直接填写来电人信息", "Not found: fill in the caller below"),
    "address": ("地址", "Address"),
    "caller_name": ("来电人", "Caller"),
    "matter": ("事项 {n}", "Matter {n}"),
    "subtype": ("子类", "Sub-type"),
    "area_class": ("区域类别", "Area class"),
    "by_routing": ("按派单规则", "by the routing rules"),
    "answer_on_the_spot": (
        "当场答复（咨询可直接办结）",
        "Answer given on the spot (closes a consultation)",
    ),
    "goes_to": ("将派往", "Goes to"),
    "no_department": ("（无匹配规则，需调度员指定）", "(no routing rule: the dispatcher chooses)"),
    "closes_on_intake": ("当场办结", "closed at intake"),
    "follow_up_required": ("须回访", "follow-up required"),
    "repeat_matter": ("近期已有同类工单：", "Same kind of matter recently:"),
    "repeat_caller": (
        "重复来电：该客户近30天内已有 {n} 张工单",
        "Repeat caller: {n} orders in the last 30 days",
    ),
    "check": ("核对（Alt+P）", "Check (Alt+P)"),
    "save_contact": ("保存受理（Alt+S）", "Save (Alt+S)"),
    "keys": ("Tab 逐项填写，空白事项不保存", "Tab through the fields; empty matters are left out"),
    "recorded": ("已受理：", "Recorded:"),
    "on_air": ("《供电一刻钟》第{number}期直播中", "On air: episode {number}"),
    "duty_leader": ("值班领导", "leader"),
    "duty_specialist": ("专业人员", "specialist"),
    "duty_host": ("主持人", "host"),
    "total_due": ("累计应缴", "Total due"),
    "yuan": ("元", "yuan"),
    "late_fees": ("违约金", "late fees"),
    "credit": ("预存", "Credit"),
    "meter": ("电能表", "Meter"),
    "shared_meter": ("合表 {n} 户", "shared by {n} households"),
    "period": ("账期", "Period"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "orders_of_customer": ("该客户的工单", "This customer's orders"),
    "no_customer_chosen": (
        "未选择客户：查找来电人，或直接填写新客户信息。",
        "No customer chosen: look the caller up, or fill in a new caller.",
    ),
    "meter_split_form": ("分户装表（现场完成后登记）", "Meter split (record it once done on site)"),
    "household": ("住户（合表下）", "Household (on the shared meter)"),
    "no_households": (
        "该地址下没有找到合表住户。",
        "No household on a shared meter at this address.",
    ),
    "new_meter": ("新表表号", "New meter number"),
    "initial_reading": ("新表起码", "New meter's first reading"),
    "shared_meter_reading": ("合表当前读数", "Shared meter's reading now"),
    "record_split": ("登记分户装表", "Record the meter split"),
    # The meter split's form (recorded as progress): named like an action in its message.
    "meter_split": ("分户装表", "meter split"),
    "start": ("起始日期", "From"),
    "end": ("截止日期", "To"),
    "bucket": ("按", "By"),
    "bucket_day": ("日", "day"),
    "bucket_week": ("周", "week"),
    "bucket_month": ("月", "month"),
    "show": ("查看", "Show"),
    "handling_rate": ("处置率", "Handling rate"),
    "follow_up_rate": ("回访率", "Follow-up rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "on_time_rate": ("及时率", "On-time rate"),
    "target": ("目标", "target"),
    "accepted_n": ("受理 {n} 件", "{n} accepted"),
    "overdue_by_department": (
        "超时未办结（按部门）",
        "Overdue and not yet answered, by department",
    ),
    "no_overdue": ("本期没有超时未办结的工单。", "Nothing overdue in this period."),
    "call_mix": ("来电构成", "Call mix"),
    "by_type": ("分类统计", "By type"),
    "accepted": ("受理", "Accepted"),
    "handled": ("处置", "Handled"),
    "rework": ("重办", "Reworks"),
    "episodes": ("节目场次", "Programme episodes"),
    "episode": ("期次", "Episode"),
    "air_date": ("播出日期", "On air"),
    "roster_h": ("值班", "On duty"),
    "contacts": ("受理量", "Contacts"),
    "answered_on_air": ("当场答复", "Answered on air"),
    "public_bill": ("电费查询", "Bill inquiry"),
    "public_status": ("工单查询", "Request status"),
    "public_disclosure": ("电价与服务承诺", "Tariffs and commitments"),
    "phone_last4": ("登记电话后四位", "Last 4 digits of the registered phone"),
    "inquire": ("查询", "Look up"),
    "inquiry_form_hint": (
        "请输入户号（数字）和登记电话的后四位",
        "Enter the account number and the last four digits of the registered phone",
    ),
    "inquiry_not_found": (
        "户号或电话后四位不正确",
        "The account number or the phone digits do not match",
    ),
    "status_not_found": (
        "工单号或电话后四位不正确",
        "The order number or the phone digits do not match",
    ),
    "too_many": ("查询失败次数过多，请稍后再试", "Too many failed lookups; try again later"),
    "due_on": ("缴费截止日", "Due by"),
    "replied_at": ("答复时间", "Replied"),
    "inquiry_line": (
        "也可拨打电话管家 118318 语音查询。",
        "The same answer by phone: call 118318.",
    ),
    "paid_at": ("缴费时间", "Paid"),
    "bill": ("电费账单", "Bill"),
    "year_kwh": ("本年累计电量", "kWh this year so far"),
    "issued_at": ("出账时间", "Issued"),
    "bill_lines": ("计费明细", "Itemised lines"),
    "line_kind": ("项目", "Line"),
    "line_dates": ("计费期间", "Dates"),
    "unit_price": ("单价（元/千瓦时）", "Unit price (yuan/kWh)"),
    "line_flat": ("电量电费", "energy"),
    "line_tier1": ("第一档", "tier 1"),
    "line_tier2": ("第二档", "tier 2"),
    "line_tier3": ("第三档", "tier 3"),
    "line_peak": ("峰段", "peak"),
    "line_valley": ("谷段", "valley"),
    "line_tier2_surcharge": ("第二档加价", "tier 2 surcharge"),
    "line_tier3_surcharge": ("第三档加价", "tier 3 surcharge"),
    "rounding_rule": (
        "每行金额按四舍五入保留到分，账单金额为各行之和。",
        "Each line is rounded to the fen, half up; the bill is the sum of its lines.",
    ),
    "bill_runs": ("核算批次", "Bill runs"),
    "all_districts": ("全部区域", "all districts"),
    "run_accounts": ("户数", "Accounts"),
    "run_created": ("新出账", "New bills"),
    "run_replaced": ("重算", "Replaced"),
    "run_unchanged": ("未变", "Unchanged"),
    "run_held": ("待审核", "Held"),
    "run_running": ("进行中", "running"),
    "run_done": ("完成", "done"),
    "run_failed": ("失败", "failed"),
    "run_stopped": (
        "已停止（服务器关闭），可重新开始",
        "stopped (the server shut down): start it again",
    ),
    "started_at": ("开始", "Started"),
    "finished_at": ("结束", "Finished"),
    "held_readings": ("待审核的抄表（不出账）", "Readings held for review (not billed)"),
    "readings": ("抄表记录", "Meter readings"),
    "read_on": ("抄表日期", "Read on"),
    "reading_total": ("示数", "Register"),
    "reading_previous": ("上次示数", "Previous"),
    # The register's difference, before the meter's multiplier: what a misread shows first.
    "reading_difference": ("示数差", "Difference"),
    "reading_rolled_over": ("表计翻转", "rolled over"),
    "reading_kind_regular": ("抄表", "reading"),
    "reading_kind_initial": ("装表起码", "installation"),
    "reading_kind_final": ("拆表止码", "final"),
    "reading_voided": ("已作废", "voided"),
    "void_reading": ("作废", "Void"),
    "void_reason": ("作废原因", "Why it is wrong"),
    "void_hint": (
        "作废的读数保留在记录中，核算不再计入；下一次读数接续此前有效的读数。重新核算该月后账单随之更正。",
        "A voided reading stays in the history and is no longer billed; the next reading follows"
        " the last one in force. Run the month again to correct its bills.",
    ),
    "reason": ("原因", "Reason"),
    "held_negative": ("电量为负", "negative consumption"),
    "held_missing": ("缺少读数", "missing reading"),
    "held_implausible": ("电量异常（超过常量10倍）", "implausible (over 10× usual)"),
    "held_detail_implausible": (
        "本月 {kwh} 千瓦时，常量 {usual} 千瓦时",
        "{kwh} kWh against a usual {usual} kWh",
    ),
    "held_no_tariff": ("无适用电价", "no tariff"),
    "bill_run_cli": (
        "也可在服务器上运行：quarterhour billing run --period YYYY-MM。",
        "Also on the server: quarterhour billing run --period YYYY-MM.",
    ),
    "start_run": ("开始核算", "Start the bill run"),
    "run_safe": (
        "可重复运行：已出账且未变化的账单不会重写。",
        "Safe to run again: bills that come out the same are not rewritten.",
    ),
    "jobs": ("最近的核算任务", "Recent bill-run jobs"),
    "job": ("任务", "Job"),
    "job_bill_run": ("电费核算", "Bill run"),
    "job_steps": ("个区域", "districts"),
    "stalled": (
        "执行它的后台进程已无响应，另一进程将接手重做（可安全重复执行）",
        "its worker stopped answering; another worker will take it over (safe to rerun)",
    ),
    "nav_imports": ("导入", "Imports"),
    "job_import": ("导入", "Import"),
    "import_kind": ("内容", "What"),
    "import_file": (
        "文件（CSV：UTF-8 或 GB18030；或 Parquet）",
        "File (CSV in UTF-8 or GB18030, or Parquet)",
    ),
    "import_strict": ("有错误则整份不导入", "refuse the whole file if any row is wrong"),
    "import_start": ("开始导入", "Import"),
    "import_hint": (
        "同一文件重复导入不会改变任何数据；有问题的行会列出原因并可下载。",
        "The same file imported again changes nothing; rows set aside are listed with their reasons and can be downloaded.",
    ),
    "import_jobs": ("最近的导入", "Recent imports"),
    "import_customers": ("客户与户号", "customers and accounts"),
    "import_meters": ("电能表", "meters"),
    "import_readings": ("抄表读数", "meter readings"),
    "import_payments": ("银行与网上缴费", "bank and online payments"),
    "import_refused": ("整份文件未导入", "Nothing imported"),
    "import_again": (
        "这份文件以前导入过（批次 {batch}），没有任何改变。",
        "This file was imported before (batch {batch}); nothing changed.",
    ),
    "import_counts": (
        "共 {rows} 行：导入 {accepted} 行，搁置 {rejected} 行，已有记录 {unchanged} 行。",
        "{rows} rows: {accepted} imported, {rejected} set aside, {unchanged} recorded already.",
    ),
    "import_problems": ("搁置的行", "Rows set aside"),
    "import_rejects": ("下载（CSV）", "download (CSV)"),
    "import_row": ("行", "Row"),
    "import_field": ("字段", "Field"),
    "pay_amount": ("收费金额（元）", "Amount (yuan)"),
    "pay_receipt": ("收据号", "Receipt no."),
    "take_payment": ("柜台收费", "Take payment"),
    "paid_ok": ("已收费 {amount} 元", "Payment of {amount} yuan recorded"),
    "escalate_to": ("督办对象", "Escalated to"),
    "set": ("设定", "Set"),
    "change_role": ("调整角色", "Change role"),
    "reset_password": ("重设密码", "Reset password"),
    "nav_programme": ("直播节目", "Programme"),
    "add_episode": ("安排下一期", "Schedule an episode"),
    "episode_hint": (
        "工作日 7:40–7:55 直播；值班须有一位公司领导。",
        "On air weekdays 07:40–07:55; the roster needs a company leader.",
    ),
    "admin_staff": ("员工与角色", "Staff and roles"),
    "admin_organisation": ("部门与派单规则", "Departments and routing"),
    "admin_policies": ("时限标准", "Time limits"),
    "admin_calendar": ("工作日历", "Working-day calendar"),
    "admin_tariffs": ("电价", "Tariffs"),
    "saved": ("已保存", "Saved"),
    "disable": ("停用", "Disable"),
    "enable": ("启用", "Enable"),
    "add_staff": ("新增员工", "Add a staff member"),
    "add": ("新增", "Add"),
    "departments": ("部门", "Departments"),
    "code": ("代码", "Code"),
    "kind": ("类别", "Kind"),
    "routing_rules": ("派单规则（最具体的规则优先）", "Routing rules (the most specific wins)"),
    "priority": ("优先级", "Priority"),
    "add_district": ("新增区域", "Add a district"),
    "add_department": ("新增部门", "Add a department"),
    "add_rule": ("新增派单规则", "Add a routing rule"),
    "new_policy_from": (
        "新版本时限（以 {code} 为底稿修改）",
        "A new version of the limits (starting from {code})",
    ),
    "follow_up_types": ("须回访的类型", "Followed up"),
    "add_policy": ("保存新版本", "Save the new version"),
    "show_number": ("显示完整号码（将记录）", "Show the number (recorded)"),
    "policies_note": (
        "时限标准随版本生效；新版本由系统管理员通过命令行载入。",
        "Policies take effect by version; new versions are loaded on the server.",
    ),
    "covered_years": ("已有官方工作日数据的年份", "Years with official working-day data"),
    "loaded_years": ("管理员载入的年度安排", "Schedules loaded by administrators"),
    "provisional_years": (
        "尚无官方安排的年度：已知的法定节假日",
        "Years without a notice: the statutory holidays known",
    ),
    "provisional_years_hint": (
        "按《全国年节及纪念日放假办法》推算（农历日期与清明节气已计算）。调休上班日、与周末相连的放假日、"
        "节日逢周末的补假日须待国务院办公厅通知，期间的时限为临时时限，载入通知后自动重算。",
        "From the statute (lunar dates and the Qingming solar term computed). Make-up working days,"
        " bridging days and days in lieu of a holiday on a weekend wait for the State Council's"
        " notice; deadlines across them are provisional and are recomputed when it is loaded.",
    ),
    "holiday_day": ("日期", "Day"),
    "holiday_name": ("节日", "Holiday"),
    "year": ("年度", "Year"),
    "loaded_at": ("载入时间", "Loaded"),
    "loaded_by": ("载入人", "By"),
    "load_year": ("载入新年度安排", "Load a new year's schedule"),
    "schedule_file": ("安排文件（CSV 或 JSON）", "Schedule file (CSV or JSON)"),
    "load": ("载入", "Load"),
    "schedule_hint": (
        "CSV 每行：日期,类型(holiday/workday),名称。载入后，该年度的临时时限会立即重新计算。",
        "CSV rows: date,kind (holiday/workday),name. Provisional deadlines in that year are recomputed at once.",
    ),
    "add_version": (
        "新增电价版本（自生效日起替代现行版本）",
        "Add a price version (replaces the current one from its first day)",
    ),
    "f_flat_price": ("基础电价（元/千瓦时）", "Base price (yuan/kWh)"),
    "f_tier1_limit": ("一档上限（千瓦时）", "Tier 1 up to (kWh)"),
    "f_tier2_limit": ("二档上限（千瓦时）", "Tier 2 up to (kWh)"),
    "f_tier2_surcharge": ("二档加价（元/千瓦时）", "Tier 2 surcharge (yuan/kWh)"),
    "f_tier3_surcharge": ("三档加价（元/千瓦时）", "Tier 3 surcharge (yuan/kWh)"),
    "f_peak_price": ("峰段电价（元/千瓦时）", "Peak price (yuan/kWh)"),
    "f_valley_price": ("谷段电价（元/千瓦时）", "Valley price (yuan/kWh)"),
    "follow_up_script": (
        "回访话术：您好，我是供电公司客户服务中心回访员{name}。您在{day}反映的“{title}”，处理结果是：{result}。请问您对处理结果满意吗？（满意 / 基本满意 / 不满意）",
        "Script: Hello, this is {name} from the power company's service centre. About “{title}”, which you raised on {day}, the result was: {result}. Are you satisfied with it? (satisfied / basically satisfied / dissatisfied)",
    ),
    "attempts": (
        "未联系上的尝试：{n} / {max} 次（达到上限计为无法联系）",
        "Unreachable attempts: {n} of {max} (then counted as unreachable)",
    ),
    "attach": (
        "附件（现场照片、扫描件：JPEG/PNG/WebP/PDF，每个不超过20MB）",
        "Attachments (site photos, scans: JPEG/PNG/WebP/PDF, up to 20 MB each)",
    ),
    "live": ("自动刷新", "live"),
    "new_work": ("有新的工单，点击刷新", "New work has arrived: reload"),
    # --- search (issue 13)
    "search": ("搜索", "Search"),
    "search_label": ("搜索工单和客户", "Search orders and customers"),
    "search_hint": ("工单号、电话、户号、姓名、地址", "Order no., phone, account, name, address"),
    "search_key": ("在页面任意处按 / 键即可在此搜索", "Press / anywhere on a page to search here"),
    "search_results": ("搜索结果", "Search results"),
    "search_too_long": (
        "搜索内容最多{n}个字，请缩短后再试。",
        "Type at most {n} characters to search.",
    ),
    "search_taken_as": ("按{kind}查找：", "Searched as {kind}:"),
    "search_kind_order_number": ("工单号", "an order number"),
    "search_kind_contact_number": ("来电编号", "a contact's number"),
    "search_kind_phone_last4": ("电话后四位", "a phone's last four digits"),
    "search_kind_mobile": ("手机号或户号", "a mobile number or an account number"),
    "search_kind_number": ("户号或电话", "an account number or a phone"),
    "search_kind_words": ("姓名、地址或工单内容", "a name, an address or an order's text"),
    "search_explain": (
        "可输入工单号（GD…）、来电编号（LD…）、手机号或后四位、户号，或姓名、地址、工单内容中的文字。",
        "Type an order number (GD…), a contact's number (LD…), a phone or its last four digits, an account number, or words from a name, an address or an order's text.",
    ),
    "search_short": (
        "不足3个字时只查找姓名开头；查找地址和工单内容请至少输入3个字。",
        "Under three characters only the start of names is searched; type at least three to search addresses and orders' text.",
    ),
    "search_orders": ("工单（含已归档、已撤销）", "Orders (archived and cancelled too)"),
    "search_customers": ("客户", "Customers"),
    "search_own_department": ("只显示本部门的工单。", "Only your department's orders are shown."),
    "search_no_orders": ("没有找到工单。", "No orders found."),
    "search_no_customers": ("没有找到客户。", "No customers found."),
    "search_more_orders": (
        "只显示最新的{n}张工单，请输入更具体的内容。",
        "Only the newest {n} orders are shown; type more to narrow the search.",
    ),
    "search_more_customers": (
        "只显示前{n}位客户，请输入更具体的内容。",
        "Only the first {n} customers are shown; type more to narrow the search.",
    ),
    "accounts_held": ("户号", "Accounts"),
    "more_accounts": ("等{n}个", "and {n} more"),
    "scope": ("范围", "Scope"),
    "scope_open": ("在办", "Open"),
    "scope_closed": ("已归档或撤销", "Archived or cancelled"),
    "scope_all": ("全部工单", "All orders"),
    "closed_tabs": ("已办结", "Closed"),
    # --- accessibility (names for controls that sit in table cells)
    "limit_unit": ("时限单位", "unit of the time limit"),
    # The author of a step nobody took by hand: the deadline sweep's warnings and escalations.
    "by_the_system": ("系统自动", "by the system"),
    # An order linked to an outage at intake, on its page.
    "expected_back": ("预计复电", "supply expected back"),
    # --- held readings review
    "review_held": ("审核", "Review"),
    "held_review_title": ("审核待出账的抄表", "Review a held reading"),
    "review_accept": ("确认无误", "accepted"),
    "review_correct": ("更正读数", "corrected"),
    "review_void": ("作废读数", "voided"),
    "do_accept": ("确认读数无误", "Accept: the consumption is real"),
    "do_correct": ("更正读数", "Correct the reading"),
    "do_void": ("作废读数", "Void the reading"),
    "accept_hint": (
        "用电确属增加（如新增电器、季节性经营）：本月不再暂缓，下次核算该月时按此出账。",
        "The consumption is real (new appliances, a season's trade): the month is no longer"
        " held and the next run of it bills it.",
    ),
    "correct_hint": (
        "原读数保留（标记为已更正），更正后的读数用于出账；不得低于上次示数，不得超过表计位数。",
        "The original stays on record (superseded); the corrected value is billed. It may not be"
        " below the previous reading nor beyond the register.",
    ),
    "accept_only_implausible": (
        "只有电量异常的月份可以确认；缺少或为负的读数请更正或作废。",
        "Only a month far above the usual can be accepted; a missing or negative one needs a"
        " correction or a void.",
    ),
    "corrected_total": ("更正后示数", "Corrected register"),
    "corrected_peak": ("更正后峰段示数", "Corrected peak"),
    "corrected_valley": ("更正后谷段示数", "Corrected valley"),
    "review_reason": ("审核说明", "Why"),
    "month_kwh": ("本月电量（千瓦时）", "This month (kWh)"),
    "usual_kwh": ("常量（千瓦时）", "Usual month (kWh)"),
    "no_usual": ("无历史账单", "no earlier bills"),
    "month_readings": ("本月有效读数", "The month's readings in force"),
    "no_month_readings": ("本月没有有效读数。", "The month has no reading in force."),
    "review_history": ("审核记录", "Review history"),
    "recent_reviews": ("最近的审核", "Recent reviews"),
    "reviewed_by": ("审核人", "Reviewed by"),
    "reviewed_at": ("审核时间", "Reviewed at"),
    "decision": ("处理结果", "Decision"),
    "value_before_after": ("示数（前→后）", "Register (before → after)"),
    "kwh_before_after": ("电量（前→后）", "kWh (before → after)"),
    "reviewed_already": ("已审核：{decision}", "Reviewed already: {decision}"),
    "review_done": ("已保存：{decision}。下一条待审核：", "Saved: {decision}. Next held reading:"),
    "review_all_done": (
        "已保存：{decision}。没有待审核的抄表了。",
        "Saved: {decision}. No held readings left.",
    ),
    "reading_superseded": ("已更正为", "superseded by"),
    "reading_corrects": ("更正自", "corrects"),
    # --- dashboard
    "orders_unit": ("单", "orders"),
    "fig_accepted": ("受理", "accepted"),
    "fig_handled": ("已处置", "handled"),
    "fig_follow_up_due": ("应回访", "to follow up"),
    "fig_followed_up": ("已回访", "followed up"),
    "fig_answered_orders": ("回访应答", "answered"),
    "fig_dissatisfied_orders": ("有不满意", "dissatisfied"),
    "fig_on_time": ("按时", "on time"),
    "fig_completed": ("已办结", "completed"),
    "fig_reworked_orders": ("重办工单", "redone"),
    "satisfied_calls": ("满意 {s} / 应答 {a} 通", "{s} of {a} answered calls satisfied"),
    "rework_times": ("共重办 {n} 次", "{n} reworks in all"),
    "overdue_now": ("当前超期", "Overdue now"),
    "overdue_now_note": (
        "在办且已过时限，不限受理日期",
        "open and past a deadline, whenever accepted",
    ),
    "overdue_now_by_department": ("当前超期（按部门）", "Overdue now, by department"),
    "no_overdue_now": ("当前没有超期工单。", "Nothing is overdue now."),
    "overdue_rest": ("其余 {n} 个部门共 {m} 单", "{n} more departments: {m} orders"),
    "period_figures": (
        "本期受理工单的统计，点击数字查看对应工单。",
        "Orders accepted in the period; select a number to list its orders.",
    ),
    "as_table": ("数据表", "As a table"),
    "period_h": ("时段", "Period"),
    "matched_n": ("共 {n} 单", "{n} orders"),
    "accepted_from": ("受理日期自", "Accepted from"),
    "accepted_to": ("受理日期至", "Accepted to"),
    "drill_late_yes": ("曾超期", "missed a deadline"),
    "drill_late_no": ("从未超期", "never late"),
    "drill_reworked_yes": ("重办过", "redone"),
    "drill_reworked_no": ("未重办", "never redone"),
    "drill_routed_yes": ("已分派部门", "with a department"),
    "drill_routed_no": ("未分派部门", "no department yet"),
    "drill_cancelled_yes": ("已撤销", "cancelled"),
    "drill_cancelled_no": ("不含撤销", "cancelled ones left out"),
    "drill_follow_up_due": ("应回访", "owed a follow-up"),
    "drill_follow_up_done": ("已回访", "followed up"),
    "drill_follow_up_answered": ("回访应答", "answered a follow-up call"),
    "drill_follow_up_dissatisfied": ("回访有不满意", "dissatisfied at a follow-up"),
    # --- wording and crew (issue 13)
    # The order list's filters, folded on a phone.
    "filter_panel": ("筛选条件", "Filters"),
    # The public pages' way back for staff.
    "staff_console": ("工作人员入口", "Staff console"),
    # The administrators' warnings (workorders/sla.AdminWarning: a code and its values).
    "warning_calendar_year_missing": (
        "尚未导入{years}的官方节假日安排（国务院办公厅通知）：这些年份的期限暂按周一至周五、扣除"
        "《全国年节及纪念日放假办法》规定的法定节假日（元旦、春节除夕至初三、清明、劳动节5月1日至2日、"
        "端午、中秋、国庆10月1日至3日，农历日期已推算）计算；调休上班日、与周末相连的放假日和节日逢"
        "周末的补假日尚不可知，这些期限为临时时限，导入通知后自动重算。请管理员尽快导入。",
        "No official holiday schedule is loaded for {years}: deadlines falling there count Monday"
        " to Friday less the statutory holidays (New Year's Day, the Spring Festival from New"
        " Year's Eve to the third lunar day, Qingming, Labour Day 1–2 May, Dragon Boat, Mid-Autumn,"
        " National Day 1–3 October; lunar dates computed). The make-up working days, the bridging"
        " days and the days in lieu of a holiday on a weekend are unknown, so these deadlines are"
        " provisional until an administrator loads the State Council's notice, which recomputes"
        " them.",
    ),
    "warning_provisional_deadlines": (
        "{count} 个工单的时限为临时时限（所在年度尚无官方节假日安排，仅扣除法定节假日，未计调休）；"
        "请载入该年度官方安排。",
        "Orders with provisional deadlines: {count}, counted without the year's make-up and"
        " bridging days (statutory holidays only). Load the year's official schedule.",
    ),
    "years_joiner": ("、", " and "),
    "year_n": ("{year}年", "{year}"),
    # --- outages
    "import_feeders": ("线路", "feeders"),
    "import_transformers": ("台区", "transformer areas"),
    "import_supply": ("户变关系（户号与台区）", "which transformer supplies each account"),
    "transformer_area": ("台区", "Transformer area"),
    "feeder": ("线路", "Feeder"),
    "no_supply_record": ("（网络档案中没有）", "(not in the network file)"),
    "outages_planned": ("计划停电公告", "Planned outages"),
    "outages_none": ("目前没有已公告的停电。", "No outage is announced at present."),
    "outage_when": ("停电时间", "When"),
    "outage_where": ("停电范围", "Where"),
    "outage_cause": ("停电原因", "Cause"),
    "outage_published": ("公告时间", "Announced"),
    "outage_until": ("至", "to"),
    "outage_kind_planned": ("计划停电", "planned"),
    "outage_kind_temporary": ("临时停电", "temporary"),
    "outage_kind_fault": ("故障停电", "fault"),
    "outage_state_planned": ("已登记", "registered"),
    "outage_state_announced": ("已公告", "announced"),
    "outage_state_active": ("停电中", "supply off"),
    "outage_state_restored": ("已复电", "restored"),
    "outage_state_cancelled": ("已取消", "cancelled"),
    "outages_rule": (
        "计划停电至少提前七天公告（《电力供应与使用条例》第二十八条）。",
        "Planned outages are announced at least seven days ahead (Regulations on Electricity"
        " Supply and Use, art. 28).",
    ),
    # --- crews
    "nav_crews": ("抢修班组", "Repair crews"),
    "crew_heading": ("班组", "Crew"),
    "crew_status": ("状态", "Status"),
    "crew_since": ("自{at}", "since {at}"),
    "crew_vehicles": ("车辆", "Vehicles"),
    "crew_members": ("成员", "Members"),
    "crew_roster_today": ("今日值班", "On duty today"),
    "crew_roster_of": ("{day}的值班安排", "Roster of {day}"),
    "crew_position": ("最近位置", "Last known position"),
    "crew_leader": ("班长", "leader"),
    "crew_next_day": ("次日", "next day"),
    "crew_no_shift": ("今日不值班", "not on duty today"),
    "crew_none": ("尚无抢修班组", "No repair crews yet"),
    "crew_set_status": ("改为", "Set to"),
    "crew_at": ("时间（默认现在）", "At (default: now)"),
    "crew_set": ("更新状态", "Update"),
    "crew_moved": (
        "班组状态已是“{status}”，现在可改为：{allowed}。",
        "The crew is {status} now; it may be set to: {allowed}.",
    ),
    "crew_status_available": ("待命", "available"),
    "crew_status_en_route": ("出发", "en route"),
    "crew_status_on_site": ("到场", "on site"),
    "crew_status_off_duty": ("下班", "off duty"),
    "vehicle_repair": ("抢修车", "repair van"),
    "vehicle_live_line": ("带电作业车", "live-line truck"),
    "vehicle_lift": ("升降车", "lift truck"),
    # --- outages page
    "nav_outages": ("停电", "Outages"),
    "outages_active": ("正在停电", "Supply off now"),
    "outages_coming": ("已公告和已登记的停电", "Announced and registered"),
    "outages_restored": ("最近复电（7天内）", "Restored lately (7 days)"),
    "outages_none_active": ("目前没有停电。", "No supply is off at present."),
    "outages_none_coming": ("没有待执行的停电。", "No outage is coming."),
    "outages_none_restored": ("最近7天没有复电的停电。", "Nothing restored in the last 7 days."),
    "outage_number": ("编号", "No."),
    "outage_kind": ("类型", "Kind"),
    "outage_state": ("状态", "State"),
    "outage_area": ("停电区域", "Area"),
    "outage_covers": ("涉及线路/台区", "Feeders / transformer areas"),
    "outage_more": ("等{n}个台区", "{n} areas in all"),
    "outage_starts": ("开始时间", "Starts"),
    "outage_started": ("停电时间", "Off since"),
    "outage_expected": ("预计复电", "Expected back"),
    "outage_restored_at": ("复电时间", "Restored"),
    "outage_off_for": ("已停电", "Off for"),
    "outage_lasted": ("停电时长", "Lasted"),
    "outage_notice": ("公告", "Notice"),
    "outage_notice_none": ("未公告", "not announced"),
    "outage_notice_held": ("提前7天以上", "7 days ahead or more"),
    "outage_notice_short": ("不足7天", "less than 7 days ahead"),
    "outage_notice_not_needed": ("无需公告", "no notice needed"),
    "outage_open": ("查看", "Open"),
    "outage_heading": ("停电 {number}", "Outage {number}"),
    "outage_declare": ("登记停电", "Declare an outage"),
    "outage_declare_hint": (
        "故障停电登记即生效；计划停电须至少提前7天公告。线路和台区填编码，多个用逗号或空格分隔。",
        "A fault is in effect when declared; a planned outage is announced at least 7 days ahead."
        " Feeders and transformer areas by code, separated by commas or spaces.",
    ),
    "outage_field_kind": ("停电类型", "Kind"),
    "outage_field_cause": ("停电原因", "Cause"),
    "outage_field_area": ("停电区域（可选）", "Area (optional)"),
    "outage_field_starts": ("开始时间", "Starts at"),
    "outage_field_expected": ("预计复电时间", "Expected restoration"),
    "outage_field_feeders": ("线路编码", "Feeder codes"),
    "outage_field_transformers": ("台区编码", "Transformer area codes"),
    "outage_field_text": ("公告内容（可选）", "Notice text (optional)"),
    "outage_field_at": ("时间（默认现在）", "At (default: now)"),
    "outage_field_note": ("说明", "Note"),
    "outage_field_reason": ("取消原因", "Reason"),
    "outage_history": ("经过", "History"),
    "outage_notices": ("公告记录", "Notices"),
    "outage_published_by": ("{at}公告，{who}", "announced {at} by {who}"),
    "outage_announced_times": ("公告的停电时间：{start}至{end}", "announced for {start} to {end}"),
    "outage_steps": ("可执行的操作", "Steps"),
    "outage_no_steps": (
        "该停电现在没有可执行的操作。",
        "Nothing may be done with this outage now.",
    ),
    "outage_view_only": (
        "您可以查看停电，登记和处理由调度人员进行。",
        "You may view outages; dispatchers declare and move them.",
    ),
    "outage_done_declare": ("停电已登记。", "The outage is declared."),
    "outage_done": ("已{action}。", "Done: {action}."),
    "outage_action_declare": ("登记", "declare"),
    "outage_action_publish": ("发布公告", "publish the notice"),
    "outage_action_reschedule": ("改期", "reschedule"),
    "outage_action_start": ("开始停电", "start"),
    "outage_action_update_restoration": ("更新预计复电时间", "update the expected restoration"),
    "outage_action_restore": ("复电", "restore"),
    "outage_action_cancel": ("取消停电", "cancel"),
    "outage_action_send_crew": ("派抢修班组", "crew sent"),
    "outage_action_crew_arrived": ("抢修班组到场", "crew arrived"),
    "outage_moved": (
        "该停电现为“{state}”，不能{action}；可执行的下一步：{allowed}。",
        "The outage is {state} now and cannot {action}; what may be done next: {allowed}.",
    ),
    "outage_moved_no_step": (
        "该停电现为“{state}”，不能{action}，现在没有可执行的操作。",
        "The outage is {state} now and cannot {action}; nothing may be done with it now.",
    ),
    # --- outage calls
    "outage_crew_on_it": ("抢修班组：{crew}（{at} {step}）", "Crew: {crew} ({step} at {at})"),
    "outage_no_crew_yet": ("尚未派抢修班组", "No crew sent yet"),
    "outage_at_address": (
        "该地址所在台区正在停电：原因{cause}，开始{start}，预计{expected}复电",
        "The supply at this address is off: {cause}, since {start}, expected back by {expected}",
    ),
    "outage_call_linked": (
        "故障报修将关联该停电，不另计到达时限，复电后统一答复",
        "A fault call joins this outage: no arrival clock of its own, replied to at restoration",
    ),
    "linked_outage": ("关联停电", "Linked outage"),
    # --- the dispatcher's live board and its map (routes/live_board.py, network_map.py)
    "nav_outages_live": ("实时看板", "Live board"),
    "premises_position": ("位置", "Location"),
    "no_position": ("（没有坐标）", "(no coordinates)"),
    "live_as_of": ("截至{at}，每{seconds}秒自动刷新", "As of {at}, refreshed every {seconds} s"),
    "live_district": ("{district}的班组", "crews of {district}"),
    "live_outages": ("停电中及今日计划停电", "Off now and planned for today"),
    "live_calls": ("关联来电", "Linked calls"),
    "live_crew_sent": ("派出班组", "Crew sent"),
    "live_off_for": ("已停{span}", "off for {span}"),
    "live_late": ("已超过预计复电时间", "past the expected restoration"),
    "live_no_crew": ("未派班组", "no crew sent"),
    "live_no_outages": ("现在没有停电。", "Nothing is off now."),
    "live_crews": ("班组", "Crews"),
    "live_crew": ("班组", "Crew"),
    "live_crew_district": ("区域", "District"),
    "live_crew_status": ("状态", "Status"),
    "live_current_job": ("当前任务", "Current job"),
    "live_position_age": ("最近位置", "Last position"),
    "live_status_since": ("{at}起，{span}", "since {at}, {span}"),
    "live_outage_ref": ("停电 #{number}", "Outage #{number}"),
    "live_no_job": ("无任务", "no job"),
    "live_ago": ("{span}前", "{span} ago"),
    "live_no_position": ("没有位置", "no position"),
    "live_no_crews": ("没有班组。", "No crews."),
    "live_step_dispatched": ("已派单", "dispatched"),
    "live_step_accepted": ("已接单", "accepted"),
    "live_step_departed": ("已出发", "on the way"),
    "live_step_arrived": ("已到场", "on site"),
    "live_step_at": ("{step}（{at}）", "{step} ({at})"),
    "live_on_job": ("任务已{span}", "on the job {span}"),
    "live_map": ("地图", "Map"),
    "live_map_title": ("供电网络与班组位置", "Supply network and crews"),
    "live_map_desc": (
        "{areas}个台区（灰色：正常供电，朱红：停电中，蓝色：今日计划停电），{outages}处停电圈出，"
        "{crews}个班组按最近位置标出（形状表示状态）。下方表格为文字版。",
        "{areas} transformer areas (grey: supplied, vermillion: off now, blue: planned today),"
        " {outages} outages circled, {crews} crews at their last known position (the shape"
        " says the status). The tables below say the same in words.",
    ),
    "live_map_supplied": ("正常供电", "supplied"),
    "live_map_active": ("停电中", "off now"),
    "live_map_planned": ("今日计划停电", "planned today"),
    "live_map_ring": ("停电范围", "outage"),
    "live_map_cell": ("{n}个台区", "{n} transformer areas"),
    "live_map_caption": (
        "点为台区，细线为线路，圈为停电范围，标记为班组最近位置。",
        "Dots are transformer areas, thin lines feeders, rings outages, markers crews.",
    ),
    "live_map_caption_grid": (
        "台区较多，按方格汇总（颜色取格内最严重的状态）；圈为停电范围，标记为班组最近位置。",
        "Too many transformer areas to draw one by one: squares count them (coloured by the worst"
        " inside); rings are outages, markers crews.",
    ),
    "live_map_unplaced": (
        "另有{n}个台区没有坐标，未画出。",
        " {n} more areas have no coordinates.",
    ),
    "live_map_text": ("地图文字版", "The map in words"),
    "live_map_areas_out": ("停电及计划停电的台区", "Transformer areas off or planned"),
    "live_map_none_out": ("没有台区停电。", "No transformer area is off."),
    "live_map_state": ("状态", "State"),
    "live_map_crews": ("班组位置", "Crews' positions"),
    "live_coordinates": ("坐标", "Coordinates"),
    "live_no_coordinates": ("没有坐标", "no coordinates"),
    "live_pause": ("暂停自动刷新", "Pause the refresh"),
    "live_resume": ("恢复自动刷新", "Resume the refresh"),
    # --- crew administration (forms: the crew page /console/crews/{id}, 新建班组, 改期)
    "crew_admin_new": ("新建班组", "New crew"),
    "crew_admin_code": ("班组编号", "Code"),
    "crew_admin_name": ("班组名称", "Name"),
    "crew_admin_department": ("所属部门", "Department"),
    "crew_admin_inactive": ("（已停用）", "(out of service)"),
    "crew_admin_position_age": ("{age}前", "{age} ago"),
    "crew_admin_set_leader": ("设为班长", "Make leader"),
    "crew_admin_remove_member": ("移出", "Remove"),
    "crew_admin_vehicle_kind": ("车型", "Kind"),
    "crew_admin_vehicle_crew": ("所属班组", "Crew"),
    "crew_admin_yard": ("车场（不属任何班组）", "Yard (no crew)"),
    "crew_admin_save": ("保存", "Save"),
    "crew_admin_retire": ("停用", "Retire"),
    "crew_admin_week": ("未来{days}天的值班", "Roster of the coming {days} days"),
    "crew_admin_starts": ("开始时间", "Starts"),
    "crew_admin_ends": ("结束时间", "Ends"),
    "crew_admin_remove_shift": ("删除班次", "Remove"),
    "crew_admin_no_week": ("未来7天没有班次。", "No shift in the coming 7 days."),
    "crew_admin_view_only": (
        "您可以查看本班组，班组、成员和车辆由系统管理员维护。",
        "You may view the crew; administrators keep its members and vehicles.",
    ),
    "crew_admin_add_shift": ("排班", "Add a shift"),
    "crew_admin_add_member": ("添加成员", "Add a member"),
    "crew_admin_member": ("人员", "Staff member"),
    "crew_admin_no_candidates": (
        "该部门没有尚未编入班组的抢修人员。",
        "Every handler of the department is on a crew already.",
    ),
    "crew_admin_add_vehicle": ("添加车辆", "Add a vehicle"),
    "crew_admin_plate": ("车牌号", "Number plate"),
    "crew_admin_edit": ("修改班组", "Edit the crew"),
    "crew_admin_in_service": ("在用", "In service"),
    "crew_admin_done_created": ("班组已建立。", "The crew is set up."),
    "crew_admin_done_edit": ("班组已修改。", "The crew is saved."),
    "crew_admin_done_add_member": ("成员已添加。", "The member is added."),
    "crew_admin_done_remove_member": ("成员已移出。", "The member is removed."),
    "crew_admin_done_set_leader": ("班长已更换。", "The leader is changed."),
    "crew_admin_done_add_vehicle": ("车辆已添加。", "The vehicle is added."),
    "crew_admin_done_edit_vehicle": ("车辆已修改。", "The vehicle is saved."),
    "crew_admin_done_retire_vehicle": ("车辆已停用。", "The vehicle is retired."),
    "crew_admin_done_add_shift": ("班次已添加。", "The shift is added."),
    "crew_admin_done_remove_shift": ("班次已删除。", "The shift is removed."),
    "outage_field_new_starts": ("新的开始时间", "New start"),
    "outage_field_reschedule_reason": ("改期原因（可选）", "Reason (optional)"),
    # --- repair and outage figures on the dashboard (抢修与停电, analytics/repairs.py)
    "rf_heading": ("抢修与停电", "Repairs and outages"),
    "rf_note": (
        "本期受理的故障报修（不含关联停电的来电）和本期开始的停电；按时限标准{policy}的抢修承诺计算达标率。",
        "Fault repairs accepted in the period (calls linked to an outage aside) and outages"
        " started in it; the share within the commitment follows the repair limits of {policy}.",
    ),
    "rf_minutes": ("分钟", "minutes"),
    "rf_hours": ("小时", "hours"),
    "rf_median": ("中位数", "median"),
    "rf_mean": ("平均", "mean"),
    "rf_commitment": ("承诺时限", "commitment"),
    "rf_within": ("达标率", "within"),
    "rf_count": ("件数", "count"),
    "rf_count_unit": ("件", "count"),
    "rf_scope": ("范围", "Scope"),
    "rf_total": ("合计", "Total"),
    "rf_repairs": ("故障报修", "fault repairs"),
    "rf_fault_outages": ("故障停电", "fault outages"),
    "rf_nothing_timed": (
        "本期没有可计时的抢修或故障停电。",
        "No repair or fault outage to time in this period.",
    ),
    "rf_arrival_chart": ("到达现场时间", "Time to arrive on site"),
    "rf_restoration_chart": ("到场后恢复供电时间", "Time to restore after arrival"),
    "rf_arrival_short": ("到达", "Arrival"),
    "rf_restoration_short": ("恢复", "Restoration"),
    "rf_units_note": (
        "到达以分钟计，恢复以小时计；P90：九成在此时间内完成。",
        "Arrival in minutes, restoration in hours; P90: nine in ten took at most this long.",
    ),
    "rf_distribution": ("时间分布", "Distribution"),
    "rf_outages": ("停电次数", "Outages"),
    "rf_outages_unit": ("次", "outages"),
    "rf_outage": ("停电", "Outage"),
    "rf_customers": ("停电用户", "Customers"),
    "rf_customers_cut": ("停电用户 {n} 户", "{n} customers cut off"),
    "rf_customer_hours": ("停电时户数", "Customer-hours lost"),
    "rf_customers_in_scope": ("范围内用户 {n} 户", "{n} customers in scope"),
    "rf_saidi": ("户均停电时间（分钟）", "Minutes lost per customer (SAIDI)"),
    "rf_saidi_note": ("停电时户数 × 60 ÷ 范围内用户数", "customer-hours × 60 ÷ customers in scope"),
    "rf_calls_per_outage": ("每次停电来电", "Calls per outage"),
    "rf_calls_note": ("关联来电 {n} 个，最多一次 {m} 个", "{n} linked calls, at most {m} to one"),
    "rf_calls": ("来电", "Calls"),
    "rf_by_cause": ("停电原因", "Outages by cause"),
    "rf_kind_or_cause": ("类型或原因", "Kind or cause"),
    "rf_most_lost": ("停电时户数最多的停电", "Outages that cost most customer-hours"),
    "rf_still_out": ("（仍在停电）", "(still out)"),
    "rf_no_outages": ("本期没有停电。", "No outages in the period."),
    # --- intake: suggested fault outages, planned-outage calls answered on the spot (issue 14)
    "planned_outages_told": ("停电通知", "Outages announced at this address"),
    "planned_outage_at_address": (
        "该地址有计划/临时停电：{text}（{published}发布公告）",
        "An outage is announced at this address: {text} (notice published {published})",
    ),
    "planned_outage_unannounced": (
        "该地址正在临时停电：{text}",
        "Urgent work has cut the supply at this address: {text}",
    ),
    "planned_outage_answer": (
        "按此停电信息当场答复（登记为咨询并直接办结，计入该停电）",
        "Answer the caller by this outage (a consultation closed at intake, counted on the outage)",
    ),
    "outage_calls": ("来电", "Calls"),
    "outage_calls_counted": (
        "关联故障报修{linked}件；当场答复{answered}件",
        "Fault calls linked: {linked}; calls answered on the spot: {answered}",
    ),
    "suggested_outages": ("疑似故障停电", "Suspected fault outages"),
    "suggested_none": (
        "最近30分钟没有成片的故障报修。",
        "No cluster of fault calls in the last 30 minutes.",
    ),
    "suggested_scope": ("范围", "Scope"),
    "suggested_scope_transformer": ("台区", "transformer area"),
    "suggested_scope_feeder": ("线路", "feeder"),
    "suggested_scope_distance": ("相近地址", "premises close together"),
    "suggested_around": ("周围{radius}米", "within {radius} m"),
    "suggested_calls": ("报修", "Calls"),
    "suggested_first": ("首次报修", "First call"),
    "suggested_last": ("最近报修", "Last call"),
    "suggested_declare": ("登记为故障停电", "Declare the fault"),
    "suggested_hint": (
        "同一台区、同一线路或相距300米内的故障报修在30分钟内达到3件即列出；登记故障停电后，停电范围内自停电起、抢修班组尚未到场的报修自动关联。",
        "Three fault calls within 30 minutes from one transformer area, one feeder or within 300 m are listed; once the fault is declared, the calls from inside it since it began whose crew has not arrived join it.",
    ),
    # --- crew jobs: the crew's phone page, 派抢修班组, dispatch by routing policy
    "nav_crew_jobs": ("抢修任务", "Crew jobs"),
    "job_no_crew": (
        "您还不在任何抢修班组中，请联系管理员。",
        "You are not on a crew yet; ask an administrator.",
    ),
    "job_none": ("暂无待处理的抢修任务。", "No open jobs."),
    "job_other_work": ("派给本部门的全部工单：", "All the work sent to your department:"),
    "job_done": ("已记录：{step}。", "Recorded: {step}."),
    "job_contact": ("联系人", "Contact"),
    "job_call_back": ("查看完整号码", "Show the whole number"),
    "job_outage": ("停电#{id}", "Outage #{id}"),
    "job_linked_calls": ("关联来电{n}个", "{n} linked calls"),
    "job_expected": ("预计{at}复电", "expected back by {at}"),
    "job_map": ("打开地图", "Open the map"),
    "job_sent": ("派单时间 {at}", "Sent at {at}"),
    "job_automatic": ("按派单规则自动派单", "sent by the routing policy"),
    "job_when": ("发生时间（不填为现在）", "When it happened (empty: now)"),
    "job_step_dispatched": ("已派单", "sent"),
    "job_step_accepted": ("接单", "accepted"),
    "job_step_departed": ("出发", "on the way"),
    "job_step_arrived": ("到场", "arrived"),
    "job_step_restored": ("恢复供电", "supply restored"),
    "job_step_withdrawn": ("已收回", "withdrawn"),
    "job_button_accepted": ("接单", "Accept"),
    "job_button_departed": ("出发", "On the way"),
    "job_button_arrived": ("到场", "Arrived"),
    "job_button_restored": ("恢复供电", "Supply restored"),
    "job_dispatch": ("派抢修班组", "Send a crew"),
    "job_dispatched": ("已派抢修班组。", "The crew is sent."),
    "job_suggested": ("建议派{crew}（{why}）", "Suggested: {crew} ({why})"),
    "job_crew": ("抢修班组", "Crew"),
    "job_send": ("派出", "Send"),
    "job_step": ("进度", "Step"),
    "job_times": ("时间", "Times"),
    "job_km": ("{km}公里", "{km} km"),
    "job_back": ("返回", "Back"),
    "job_moved": (
        "该任务已是“{step}”；可记录的下一步：{allowed}。",
        "The job is {step} already; what may be recorded next: {allowed}.",
    ),
    "job_nothing_next": ("无", "nothing"),
    "job_rule_dispatch_to_crew": ("自动派班组", "To the crew"),
    "job_rule_dispatch_to_crew_hint": (
        "故障报修直接派给值班抢修班组",
        "Send fault repairs straight to the crew on duty",
    ),
    "job_auto_sent": (
        "已自动派给值班班组：{crew}（{why}）",
        "Sent to the crew on duty: {crew} ({why})",
    ),
    "job_auto_none": (
        "派单规则要求自动派单，但{why}：请调度人员派单",
        "The routing policy sends it to the crew on duty, but {why}: the dispatcher sends it",
    ),
    # Background jobs (jobs/, the workers): their states, attempts and the jobs page.
    "run_queued": ("排队中，等待后台进程执行", "queued for a worker"),
    "run_dead": ("多次重试仍失败，已放弃", "gave up after its last attempt"),
    "run_cancelled": ("已取消", "cancelled"),
    "job_sla_sweep": ("时限巡检", "Deadline sweep"),
    "job_housekeeping": ("夜间清理", "Nightly housekeeping"),
    "job_arrears_notices": ("欠费提醒与停电通知", "Arrears reminders and notices"),
    "job_attempts": ("第 {n} 次执行（最多 {max} 次）", "attempt {n} of {max}"),
    "job_next_try": ("下次重试", "Next try"),
    "job_worker": ("后台进程", "Worker"),
    "job_retry": ("重新执行", "Run again"),
    "job_cancel": ("取消", "Cancel"),
    "nav_jobs": ("后台任务", "Jobs"),
    "jobs_all": ("后台任务", "Background jobs"),
    "jobs_hint": (
        "任务由后台进程（quarterhour worker）执行：失败后按间隔自动重试，进程中断时由其他进程接手；"
        "多次失败的任务标为“已放弃”，可在此重新执行。",
        "Jobs run on the workers (quarterhour worker): a failure is retried after a pause, a"
        " worker that dies is replaced by another; a job that failed every attempt is marked"
        " given up and can be run again here.",
    ),
    "job_kind": ("类型", "Kind"),
    "job_status": ("状态", "Status"),
    "jobs_none": ("暂无后台任务。", "No jobs."),
    "jobs_every": ("全部", "all"),
    "sms_survey_waiting": (
        "短信回访中，等待客户回复至{until}",
        "survey by SMS: waiting for the answer until {until}",
    ),
    "job_scheduled": ("定时", "scheduled"),
    # --- messages to customers (the outbox): the order's messages, templates, preferences
    "msg_heading": ("客户通知", "Messages to the customer"),
    "msg_none": ("尚未给客户发送通知。", "Nothing has been sent to the customer."),
    "msg_kind": ("通知", "Message"),
    "msg_channel": ("渠道", "Channel"),
    "msg_to": ("发送至", "To"),
    "msg_status": ("状态", "Status"),
    "msg_times": ("时间", "Times"),
    "msg_channel_sms": ("短信", "SMS"),
    "msg_channel_email": ("电子邮件", "e-mail"),
    "msg_channel_webhook": ("接口推送", "webhook"),
    "msg_status_queued": ("待发送", "queued"),
    "msg_status_sending": ("发送中", "sending"),
    "msg_status_sent": ("已发送", "sent"),
    "msg_status_delivered": ("已送达", "delivered"),
    "msg_status_failed": ("发送失败", "failed"),
    "msg_status_suppressed": ("未发送", "not sent"),
    "msg_why_opted_out": ("客户已退订此类通知", "the customer refused this kind of message"),
    "msg_why_sms_refused": ("客户不接收短信", "the customer refuses SMS"),
    "msg_why_email_refused": ("客户不接收电子邮件", "the customer refuses e-mail"),
    "msg_written": ("生成 {at}", "written {at}"),
    "msg_not_before": ("不早于 {at}", "not before {at}"),
    "msg_sent": ("发送 {at}", "sent {at}"),
    "msg_delivered": ("送达 {at}", "delivered {at}"),
    "msg_attempts": ("第{n}次尝试", "attempt {n}"),
    "msg_templates_intro": (
        "发送给客户的通知文本。修改只影响此后生成的通知；已生成的通知保留原文。",
        "The texts of the messages to customers. A change applies to messages written from now on; those written before keep their text.",
    ),
    "msg_lang": ("语言", "Language"),
    "msg_lang_zh": ("中文", "Chinese"),
    "msg_lang_en": ("英文", "English"),
    "msg_text": ("文本", "Text"),
    "msg_default": ("默认", "default"),
    "msg_changed": ("已修改", "changed"),
    "msg_edit": ("修改", "Edit"),
    "msg_variables": ("可用变量", "Variables"),
    "msg_variable": ("变量", "Variable"),
    "msg_meaning": ("含义", "Meaning"),
    "msg_sample": ("示例值", "Sample"),
    "msg_subject": ("邮件主题", "Subject"),
    "msg_body": ("内容", "Text"),
    "msg_save": ("保存", "Save"),
    "msg_preview": ("预览", "Preview"),
    "msg_reset": ("恢复默认", "Back to the default"),
    "msg_saved": (
        "已保存。此后生成的通知使用新文本。",
        "Saved. Messages written from now on use the new text.",
    ),
    "msg_was_reset": ("已恢复默认文本。", "Back to the default text."),
    "msg_preview_heading": ("预览（代入示例值）", "Preview (with the sample values)"),
    "msg_statutory": (
        "法定通知（计划停电、欠费停电）客户退订后仍会发送。",
        "Statutory notices (planned outages, disconnection) are sent even when refused.",
    ),
    "pref_heading": ("通知偏好", "Contact preferences"),
    "pref_sms": ("接收短信", "SMS allowed"),
    "pref_email": ("电子邮箱", "E-mail address"),
    "pref_email_allowed": ("接收电子邮件", "E-mail allowed"),
    "pref_lang": ("通知语言", "Language of messages"),
    "pref_opted_out": ("退订的通知", "Refused kinds of message"),
    "pref_save": ("保存偏好", "Save preferences"),
    "pref_saved": ("通知偏好已保存。", "Preferences saved."),
    "admin_messages": ("通知模板", "Message templates"),
    # The public page /report: a customer's own fault report, complaint or consultation.
    "public_report": ("自助报修与投诉", "Report a fault or a complaint"),
    "report_intro": (
        "停电报修、投诉或咨询，无需登录：先用手机号获取验证码。",
        "Report a fault, file a complaint or ask a question without an account: first get a code on your mobile phone.",
    ),
    "report_phone": ("手机号码", "Mobile phone"),
    "report_get_code": ("获取验证码", "Get a code"),
    "report_code_sent": (
        "验证码已通过短信发送至{phone}，{minutes}分钟内有效。",
        "A code was sent by SMS to {phone}; it is valid for {minutes} minutes.",
    ),
    "report_other_phone": ("换一个手机号", "Use another phone"),
    "report_code": ("短信验证码", "Code from the SMS"),
    "report_name": ("您的称呼", "Your name"),
    "report_kind": ("诉求类型", "What is it about"),
    "report_description": ("情况描述", "What happened"),
    "report_account": ("户号（选填）", "Account number (optional)"),
    "report_address": ("地址（选填）", "Address (optional)"),
    "report_submit": ("提交", "Send"),
    "report_done": ("已受理", "Received"),
    "report_sms_sent": ("我们已通过短信发送工单号。", "We have sent you the order number by SMS."),
    "report_numbers": ("工单号", "Order number"),
    "report_follow": ("查询进度", "Follow it"),
    # The dashboard: the period's orders per channel (the customers' own web and app among them).
    "by_channel": ("按渠道统计", "By channel"),
    # --- delivery figures on the dashboard (消息送达, analytics/messages.py)
    "mf_heading": ("消息送达", "Messages to customers"),
    "mf_note": (
        "本期写入的通知（短信、邮件、webhook），按当前状态统计。送达率 = 送达 ÷（已发 + 送达 + 失败）：不发送的和待发的尚无结果，不计入。",
        "Messages written in the period (SMS, e-mail, webhooks) as they stand now. Delivery rate = delivered ÷ (sent + delivered + failed): suppressed and queued ones have no outcome and are not counted.",
    ),
    "mf_channel": ("渠道", "Channel"),
    "mf_channel_sms": ("短信", "SMS"),
    "mf_channel_email": ("邮件", "E-mail"),
    "mf_channel_webhook": ("Webhook", "Webhook"),
    "mf_total": ("合计", "Total"),
    "mf_written": ("写入", "Written"),
    "mf_suppressed": ("不发送", "Suppressed"),
    "mf_queued": ("待发", "Queued"),
    "mf_sent": ("已发", "Sent"),
    "mf_delivered": ("送达", "Delivered"),
    "mf_failed": ("失败", "Failed"),
    "mf_delivery_rate": ("送达率", "Delivery rate"),
    "mf_failure_rate": ("失败率", "Failure rate"),
    "mf_kind": ("通知类型", "Kind"),
    "mf_by_kind": ("按通知类型", "By kind"),
    "mf_latency": (
        "时延（从应发时起，免打扰时段的等待不计）",
        "How fast (from when due: a wait for the quiet hours to end is not counted)",
    ),
    "mf_latency_sent": (
        "{channel}：{n}条已发出，一半在{p50}秒内，90%在{p90}秒内，99%在{p99}秒内（平均{mean}秒）。",
        "{channel}: {n} sent, half within {p50} s, 90% within {p90} s, 99% within {p99} s (mean {mean} s).",
    ),
    "mf_latency_delivered": (
        "{n}条确认送达，一半在应发后{p50}秒内，99%在{p99}秒内。",
        "{n} confirmed delivered, half within {p50} s of being due, 99% within {p99} s.",
    ),
    "mf_latency_none": (
        "{channel}：本期没有发出的通知。",
        "{channel}: nothing sent in the period.",
    ),
    "mf_survey": ("短信回访", "SMS follow-up survey"),
    "mf_surveys_sent": (
        "发出回访短信{written}条，已发出{sent}条",
        "{written} surveys written, {sent} sent",
    ),
    "mf_response_rate": ("回复率", "Response rate"),
    "mf_replied": ("短信回复{n}条", "{n} replies"),
    "mf_closed_by_sms": ("短信办结占比", "Closed by SMS"),
    "mf_closed_note": (
        "接通的回访{n}次中，短信回复{m}次",
        "{m} of {n} follow-ups that reached the customer",
    ),
    "mf_nothing": ("本期没有写入通知。", "No messages were written in the period."),
    # the demo phone (routes/demo_phone.py)
    "nav_demo_phone": ("演示手机", "Demo phone"),
    "demo_phone_hint": (
        "演示环境没有接短信网关：本次启动以来客户收到的短信都在这里（最新的在上）。"
        "可以以客户身份回复，例如对回访短信回复1、2或3。",
        "This demo has no SMS gateway: the texts customers were sent since it started are "
        "here, newest first. "
        "Answer as the customer would, for instance 1, 2 or 3 to a survey.",
    ),
    "demo_phone_none": (
        "还没有短信。受理一个来电或在 /report 自助报修，短信几秒内就到。",
        "No texts yet. Take a call, or report a fault at /report: the text arrives within seconds.",
    ),
    "demo_phone_at": ("收到时间", "Received"),
    "demo_phone_refresh": ("刷新", "Refresh"),
    "demo_phone_to": ("收信号码", "To"),
    "demo_phone_text": ("短信内容", "Text"),
    "demo_phone_reply": ("以客户身份回复", "Reply as the customer"),
    "demo_phone_answer": ("回复", "Send"),
    "demo_phone_replied": (
        "已以客户身份回复，网关已转给系统。",
        "Replied as the customer; the gateway passed it on.",
    ),
    "demo_phone_quiet": (
        "晚21:00至早8:00为免打扰时段，除抢修人员出发和验证码外，短信到早上才发。",
        "Between 21:00 and 08:00 only a crew on its way and verification codes are sent; "
        "the rest wait for the morning.",
    ),
    # webhook endpoints (系统管理 › Webhook)
    "admin_webhooks": ("接口推送", "Webhooks"),
    "wh_intro": (
        "接口推送把通知事件（受理、抢修进度、答复、计划停电等）实时告诉其他业务系统：每个事件以JSON经HTTP POST发到登记的地址，并用该地址的签名密钥签名；对方未应答或出错时稍后重试，每次推送都有记录。",
        "Webhooks tell other systems of the messages' events as they happen (an order accepted, a crew on its way, a reply, a planned outage …): each event is POSTed as JSON to the address registered, signed with that address's key; a failure or no answer is retried later, and every try is logged.",
    ),
    "wh_none": (
        "尚未登记推送地址。登记一个地址并选择消息类型后，这些事件会推送给该系统。",
        "No endpoint yet. Add an address and choose kinds of message, and their events are sent to it.",
    ),
    "wh_url": ("推送地址", "Address"),
    "wh_url_hint": ("以http://或https://开头", "starting with http:// or https://"),
    "wh_kinds": ("推送的消息类型", "Kinds of message"),
    "wh_status": ("状态", "Status"),
    "wh_on": ("启用", "active"),
    "wh_off": ("已停用", "deactivated"),
    "wh_created": ("登记时间", "Added"),
    "wh_recent": ("最近推送（新的在前）", "Recent deliveries (newest first)"),
    "wh_no_deliveries": ("尚无推送记录。", "Nothing sent to it yet."),
    "wh_at": ("时间", "Time"),
    "wh_kind": ("消息类型", "Kind"),
    "wh_outcome": ("结果", "Outcome"),
    "wh_detail": ("详情", "Detail"),
    "wh_outcome_delivered": ("送达", "delivered"),
    "wh_outcome_sent": ("已发出", "sent"),
    "wh_outcome_retry": ("失败，稍后重试", "failed, to be retried"),
    "wh_outcome_failed": ("失败", "failed"),
    "wh_add_heading": ("登记推送地址", "Add an endpoint"),
    "wh_add": ("登记", "Add"),
    "wh_edit": ("修改", "Change"),
    "wh_edit_heading": ("修改推送地址", "Change the endpoint"),
    "wh_save": ("保存", "Save"),
    "wh_deactivate": ("停用", "Deactivate"),
    "wh_deactivate_note": (
        "停用后不再推送新事件；已排队的仍会发出，推送记录保留。",
        "Once deactivated, no new events are sent to it; those already queued still go, and its log stays.",
    ),
    "wh_added": ("已登记推送地址。", "Endpoint added."),
    "wh_changed": ("推送地址已保存。", "Endpoint saved."),
    "wh_deactivated": ("已停用，不再推送新事件。", "Deactivated: no new events are sent to it."),
    "wh_secret_heading": ("签名密钥", "Signing key"),
    "wh_secret_once": (
        "请现在复制并妥善保存此密钥：它只显示这一次，离开本页后无法再查看。",
        "Copy this key now and keep it safe: it is shown this once and cannot be seen again after you leave this page.",
    ),
    "wh_secret_check": (
        "接收方这样验证签名：每次推送带有请求头X-QuarterHour-Timestamp（Unix秒）和X-QuarterHour-Signature（sha256=后接十六进制值）；以此密钥对“时间戳.请求体”（时间戳、一个英文句点、收到的原始请求体）计算HMAC-SHA256，以恒定时间与签名比较，并拒绝与本地时钟相差超过5分钟的时间戳（详见项目文档docs/integration.md）。",
        'How the receiver checks the signature: each delivery carries the headers X-QuarterHour-Timestamp (unix seconds) and X-QuarterHour-Signature (sha256= and a hex value); compute HMAC-SHA256 of "<timestamp>.<body>" (the timestamp, a dot and the raw body as received) keyed with this key, compare it with the signature in constant time, and refuse a timestamp more than five minutes from your clock (docs/integration.md in the project has the details).',
    ),
}

_IMPLAUSIBLE = re.compile(r"^([\d.]+) kWh against a usual ([\d.]+) kWh$")


class Words:
    """The words of one page in its reader's language: `t(key)` for the page's own words, and
    the domain's labels by kind of code (`t.state(code)`, `t.action(code)` …)."""

    def __init__(self, lang: str) -> None:
        self.en = lang == "en"
        self.lang = "en" if self.en else "zh"

    @property
    def colon(self) -> str:
        """The colon after a label: full-width in Chinese (公开日期：…), ": " in English."""
        return ": " if self.en else "："

    @property
    def comma(self) -> str:
        """Between two things said of one item: ， in Chinese, ", " in English."""
        return ", " if self.en else "，"

    def aside(self, text: str) -> str:
        """A remark in brackets after what it qualifies, as each language writes them."""
        return f" ({text})" if self.en else f"（{text}）"

    def __call__(self, key: str, **values: object) -> str:
        zh, en = _TEXT.get(key) or _CONSOLE[key]
        text = en if self.en else zh
        return text.format(**values) if values else text

    def refusal(self, exc: DomainError, inputs: refusals.Inputs | None = None) -> refusals.Refusal:
        """A refused form's message in this language, with the input it is about
        (refusals.py; the words from the catalogue, messages.py)."""
        return refusals.refusal(exc, self.lang, inputs)

    def message(self, exc: DomainError) -> str:
        """A refusal's sentence in this language, for a page with no form to mark."""
        return refusals.refusal(exc, self.lang).summary

    def said(self, message: str) -> str:
        """A message kept in English (an import's problem, stored as the domain said it) in
        this language, from the catalogue (messages.py)."""
        return messages.said(message, self.lang)

    def column(self, name: str) -> str:
        """A record file's column (the field of an import's problem) as its reader calls it."""
        return messages.column_label(name, self.lang)

    def problem(self, column: str, message: str) -> str:
        """A row's problem as one sentence: the column's label, then what is wrong with it."""
        return f"{self.column(column)}{self.colon}{self.said(message)}"

    def _of(self, table: Mapping[str, Label], code: str | None) -> str:
        return labels.text(table, code, self.lang)

    def state(self, code: str | None) -> str:
        return self._of(labels.STATES, code)

    def held_detail(self, detail: str | None) -> str:
        """A held reading's note (billing/bill_run._hold writes it in English) in the reader's
        language."""
        found = _IMPLAUSIBLE.match(detail or "")
        if found is None:
            return detail or ""
        return self("held_detail_implausible", kwh=found.group(1), usual=found.group(2))

    def warning(self, code: str, values: Mapping[str, object]) -> str:
        """An administrators' warning (workorders/sla.AdminWarning) in the reader's language."""
        shown = dict(values)
        years = shown.get("years")
        if isinstance(years, list | tuple):
            shown["years"] = self("years_joiner").join(self("year_n", year=y) for y in years)
        return self("warning_" + code, **shown)

    def action(self, code: str | None) -> str:
        if code == "meter_split":  # the console's own form, not a move of the lifecycle
            return self(code)
        return self._of(labels.ACTIONS, code)

    def step(self, code: str | None) -> str:
        """An action as the public order status tells the customer about it."""
        return labels.public_step(code, self.lang)

    def role(self, code: str | None, department_kind: str | None = None) -> str:
        return labels.role_text(code, department_kind, self.lang)

    def pay_channel(self, code: str | None) -> str:
        """How a payment came in: 营业厅柜台, 银行代收, 网上缴费."""
        return self._of(labels.PAYMENT_CHANNELS, code)

    def department_kind(self, code: str | None) -> str:
        return self._of(labels.DEPARTMENT_KINDS, code)

    def reply_method(self, code: str | None) -> str:
        return self._of(labels.REPLY_METHODS, code)

    def outcome(self, code: str | None) -> str:
        return self._of(labels.FOLLOW_UP_OUTCOMES, code)

    def channel(self, code: str | None) -> str:
        return self._of(labels.CHANNELS, code)

    def kind(self, code: str | None) -> str:
        """An order type or sub-type (or complaint class); none: every kind."""
        if code is None:
            return self("all")
        return self._of(labels.KINDS, code)

    def deadline(self, code: str | None) -> str:
        return self._of(labels.DEADLINE_KINDS, code)

    def area(self, code: str | None) -> str:
        return self._of(labels.AREA_CLASSES, code)

    def unit(self, code: str | None) -> str:
        return self._of(labels.LIMIT_UNITS, code)

    def limit(self, amount: int, unit: str) -> str:
        return f"{amount} {self.unit(unit)}" if self.en else f"{amount}{self.unit(unit)}"

    def tier(self, low: Decimal | int, high: Decimal | None, surcharge: Decimal | int) -> str:
        """One tier: its kWh range and what it adds to the base price, with units (0–180千瓦时：
        基础电价; 181–350 kWh: +0.05 yuan/kWh)."""
        kwh = self("kwh")
        if high is not None:
            span = f"{low:.0f}–{high:.0f} {kwh}" if self.en else f"{low:.0f}–{high:.0f}{kwh}"
        else:
            span = f"above {low:.0f} {kwh}" if self.en else f"{low:.0f}{kwh}以上"
        colon = ": " if self.en else "："
        if not surcharge:
            return f"{span}{colon}{self('base_price')}"
        if self.en:
            return f"{span}: +{surcharge} {self('yuan_kwh')}"
        return f"{span}：加价{surcharge}{self('yuan_kwh')}"
