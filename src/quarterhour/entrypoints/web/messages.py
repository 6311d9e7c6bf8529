"""The message catalogue: what the domain says in English (the msgid, unchanged in the API's
answers) and what a Chinese reader is shown instead, gettext-style.

An f-string's message is a template: `{name}` stands for what was put in (an f-string's
expression, its non-word characters made underscores; a conversion and a format stay:
`{username!r}`, `{period:%Y-%m}`), so "no department 7" is read through "no department
{department_id}" and its Chinese gets the 7. A value that is itself a message in the catalogue
(a guard's reason) or a code of the loop's vocabulary (an action, a state) is translated too.
tests/console/test_message_catalogue.py walks the source: a message raised for people to read
that is missing here fails it.

Pydantic's refusals are translated by their error type and context (PYDANTIC), never from
pydantic's English, and a field's path by its labels (FIELDS): matters[0].title → 事项1的标题.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from quarterhour.workorders import labels

CATALOGUE: dict[str, str] = {
    # access
    "{self_username} is not a staff member": "{self_username} 不是在册员工",
    "password must have at least 8 characters": "密码至少需要8个字符",
    # the demo phone (entrypoints/web/routes/demo_phone.py)
    "text: 1 to {MAX_TEXT} characters": "text: 短信内容须为1至{MAX_TEXT}个字",
    "the gateway's callback answered {problem}": "短信网关的回调未成功（{problem}）",
    "this server sends SMS through a real gateway: no demo phone": "本系统通过真实短信网关发短信，没有演示手机",
    "no text {shown} on the demo phone": "演示手机上没有这条短信（{shown}）",
    "password must mix letters and digits": "密码须同时包含字母和数字",
    "this order belongs to another department": "该工单属于其他部门",
    "role {actor_role} may not {permission}": "角色{actor_role}无权执行{permission}",
    "role {console_actor_role} may not {permission}": "角色{console_actor_role}无权执行{permission}",
    # analytics
    "end {end_isoformat} is before start {start_isoformat}": "结束日期{end_isoformat}早于开始日期{start_isoformat}",
    "a period covers at most {MAX_YEARS} years: end may be {last} at the latest": "统计区间最长{MAX_YEARS}年：结束日期最晚为{last}",
    "no department {q_department_id}": "没有编号为{q_department_id}的部门",
    # billing
    "period: a bill run of {period:%Y-%m}{where} is running already; wait for it to finish (running again afterwards is safe)": "period: {period:%Y-%m}{where}的电费计算正在进行，请等待其完成（之后再次计算不会重复出账）",
    "{period:%Y-%m} has not ended yet; bill a month after it is over": "{period:%Y-%m}尚未结束，请在月份结束后再计算电费",
    "{month:%Y-%m} has not ended yet; bill a month after it is over": "{month:%Y-%m}尚未结束，请在月份结束后再计算电费",
    "period: a month like 2026-10": "period: 请填写月份，如2026-10",
    "period: {period} is before any record": "period: {period}早于所有记录",
    "too many failed lookups; try again later": "查询失败次数过多，请稍后再试",
    "no account matches this number and phone": "户号与电话不匹配，未找到账户",
    "say where the rule comes from (the regulation)": "请注明规则的依据（法规）",
    "a source is at most 300 characters": "依据最多300个字符",
    "effective_from must be a date (YYYY-MM-DD)": "执行日期须为日期（YYYY-MM-DD）",
    "{name} is required (a fraction per day)": "{name}必须填写（每日比例）",
    "a daily rate is a fraction under 0.01 with at most 6 decimals (0.001 = 0.1 %)": "日费率须小于0.01，最多6位小数（0.001即0.1%）",
    "the minimum is 0 to 1000 yuan, to the fen": "最低金额为0至1000元，精确到分",
    "a new version starts after the newest one ({newest_isoformat})": "新版本的执行日期须晚于最新版本（{newest_isoformat}）",
    "a payment is more than 0 yuan": "缴费金额须大于0元",
    "a payment is counted to the fen (two decimals)": "缴费金额精确到分（两位小数）",
    "paid_at: a payment cannot be in the future": "paid_at: 缴费时间不能晚于现在",
    "paid_at: before the account was opened on {account_opened_on}": "paid_at: 早于账户开户日期{account_opened_on}",
    "channel must be one of {join_CHANNELS}": "缴费渠道须为以下之一：{join_CHANNELS}",
    "reference {reference} was used for another payment": "凭证号{reference}已用于另一笔缴费",
    "account {account_number} has no bill for {period:%Y-%m}": "户号{account_number}没有{period:%Y-%m}的账单",
    "spoken prompts need espeak-ng on the server; use the sentence text": "语音播报需要服务器安装espeak-ng，请使用文字内容",
    "espeak-ng could not speak the prompt: {error}": "espeak-ng无法播报：{error}",
    "espeak-ng gave no WAV data": "espeak-ng未生成音频",
    # calendar files
    "lists no days": "未列出任何日期",
    "lists no holiday, only make-up workdays": "未列出节假日，只有调休上班日",
    "is empty; name the notice, e.g. 国办发明电〔2026〕…号": "为空，请注明通知文号，如 国办发明电〔2026〕…号",
    "is longer than {MAX_SOURCE_LENGTH} characters": "超过{MAX_SOURCE_LENGTH}个字符",
    "is longer than {MAX_NAME_LENGTH} characters": "超过{MAX_NAME_LENGTH}个字符",
    "is empty": "为空",
    "is empty; give the holiday's name, e.g. 春节": "为空，请填写节日名称，如 春节",
    "is neither UTF-8 nor GB18030 text": "既不是UTF-8也不是GB18030编码的文本",
    "must be the columns {join__CSV_COLUMNS}, found {join_header!r}": "列须为{join__CSV_COLUMNS}，实际为{join_header!r}",
    "expected {len__CSV_COLUMNS} fields, found {len_row}": "应有{len__CSV_COLUMNS}个字段，实际{len_row}个",
    "JSON must be UTF-8 text": "JSON须为UTF-8文本",
    "not valid JSON: {error_msg}": "不是有效的JSON：{error_msg}",
    'must be a JSON object {"year": …, "source": …, "days": […]}': '须为JSON对象 {"year": …, "source": …, "days": […]}',
    "unknown key; expected only {join_sorted__JSON_KEYS}": "未知的键，只允许{join_sorted__JSON_KEYS}",
    "unknown key; expected date, kind, name": "未知的键，只允许date、kind、name",
    "must be a list of {date, kind, name} objects": "须为 {date, kind, name} 对象的列表",
    "must be an object {date, kind, name}": "须为对象 {date, kind, name}",
    "must be a number such as 2027, found {value!r}": "须为年份数字（如2027），实际为{value!r}",
    "{value} is not a plausible year": "{value}不是合理的年份",
    "the file is for {value}, but {expected} was requested": "文件是{value}年的，但要求的是{expected}年",
    "must be text, found {value!r}": "须为文本，实际为{value!r}",
    "{day_isoformat} is a {WEEKDAY_NAMES_day_weekday}; a make-up workday (班) must be a Saturday or Sunday": "{day_isoformat}是{WEEKDAY_NAMES_day_weekday}，调休上班日（班）须为周六或周日",
    "{day_isoformat} is already listed ({self_seen_day})": "{day_isoformat}已列出（{self_seen_day}）",
    "{day_isoformat} is in {day_year}, but the schedule is for {self_declared_year} ({self_year_origin}); one file holds one year": "{day_isoformat}属于{day_year}年，但该安排是{self_declared_year}年的（{self_year_origin}）；一个文件只含一年",
    "{text!r} is not a date; write YYYY-MM-DD, e.g. 2027-01-01": "{text!r}不是日期，请写作YYYY-MM-DD，如2027-01-01",
    "{text!r} is not a valid date ({error})": "{text!r}不是有效日期（{error}）",
    "{text!r} must be holiday or workday (休 or 班)": "{text!r}须为holiday或workday（休或班）",
    # customers and accounts
    "a meter serves at least one household": "一块电表至少服务一户",
    "installed_on: {installed_on} has not come yet": "installed_on: {installed_on}尚未到来",
    "multiplier must be a positive whole number": "倍率须为正整数",
    "a register has 4 to 10 digits": "示数位数为4至10位",
    "meter {number} exists already": "电表{number}已存在",
    "meter {meter_number} does not serve premises {premises_id}": "电表{meter_number}不服务于用电地址{premises_id}",
    "kind must be regular, initial or final": "抄表类型须为regular、initial或final",
    "source must be actual or estimated": "示数来源须为actual或estimated",
    "{name} must be between 0 and {limit_1} on a {meter_digits}-digit register": "{name}须在0至{limit_1}之间（{meter_digits}位示数）",
    "a time-of-use meter reads peak and valley too": "分时电表还须抄录峰、谷示数",
    "meter {meter_number} has no reading before {read_on}": "电表{meter_number}在{read_on}之前没有示数",
    "{total} is lower than the previous reading {previous_total} of {previous_read_on}; mark it rolled_over if the register passed its maximum": "{total}低于{previous_read_on}的上次示数{previous_total}；如示数已走满翻转，请标记为rolled_over",
    "{field}: {read_on} has not come yet": "{field}: {read_on}尚未到来",
    "{field}: before meter {meter_number} was installed on {meter_installed_on}": "{field}: 早于电表{meter_number}的安装日期{meter_installed_on}",
    "reason: say why the reading is wrong": "reason: 请说明示数错误的原因",
    # jobs: what a running job is doing (the job page shows it; bill_run.say, routes/imports)
    "{district}: reading consumption": "{district}：正在读取用电量",
    "{district}: pricing {n} accounts": "{district}：正在计算{n}户电费",
    "{district}: comparing with the bills already there": "{district}：正在与已有账单比对",
    "{district}: writing {n} bills": "{district}：正在写入{n}张账单",
    "{district}: done": "{district}：完成",
    "{file}: checking and writing": "{file}：正在检查并写入",
    "stopped when the server shut down; start it again (it is safe to rerun)": "服务器关闭时任务已停止，请重新开始（重复执行是安全的）",
    "the worker running this job stopped answering on its last attempt; start it again (it is safe to rerun)": "执行此任务的后台进程在最后一次尝试中失去响应，请重新执行（重复执行是安全的）",
    "job {job_id} has no file": "任务{job_id}没有文件",
    "no SMS gateway is configured": "未配置短信网关",
    "X-Signature: not signed with the gateway's key": "X-Signature：未使用短信网关的密钥签名",
    "job {job_id} is {job_status}; only a dead, failed or stopped job is retried": "任务{job_id}当前状态为{job_status}；只有已放弃、失败或已停止的任务可以重新执行",
    "job {job_id} is {job_status}; only a queued job is cancelled": "任务{job_id}当前状态为{job_status}；只有排队中的任务可以取消",
    "job {job_id}'s file is gone; import the file again": "任务{job_id}的文件已不在，请重新导入该文件",
    "the job's owner is no longer an active member of staff": "发起该任务的员工账号已停用",
    "the job failed unexpectedly; nothing of the unfinished step was kept. The server log has the details under job {job_id}.": "任务意外失败，未完成的步骤没有保留任何数据。详情见服务器日志中任务{job_id}的记录。",
    # billing: the review of held readings
    "decision: one of {join_DECISIONS}, not {decision_20!r}": "decision: 须为{join_DECISIONS}之一，而非{decision_20!r}",
    "decision: only a consumption far above the usual month can be accepted; a missing or negative one needs a correction or a void": "decision: 只有远高于平常月份的电量可以确认无误；缺少或为负的电量须更正或作废读数",
    "held reading {held_id} was reviewed already ({held_decision_or_resolved}); open the list again for the next one": "待审核抄表{held_id}已被审核（{held_decision_or_resolved}）；请重新打开列表处理下一条",
    "no held reading {held_id}": "没有编号为{held_id}的待审核抄表",
    "reading_id: choose one of the month's readings ({join_str_r_id_for___r_in_month})": "reading_id: 请选择本月的一条读数（{join_str_r_id_for___r_in_month}）",
    "reading_id: the account has no reading in force in {held_period:%Y-%m}; record the month's reading instead": "reading_id: 该户{held_period:%Y-%m}没有有效读数，请直接录入本月读数",
    "reason: at most 200 characters": "reason: 最多200个字",
    "reason: say why": "reason: 请说明原因",
    "total: the corrected register value": "total: 请填写更正后的示数",
    "total: {total} is higher than the next reading {following_total} of {following_read_on}": "total: {total}高于{following_read_on}的下次示数{following_total}",
    "total: {total} is what the reading says; accept the month if it is right": "total: 示数本来就是{total}；如读数无误，请选择确认无误",
    "{field}: a number such as 1234.56": "{field}: 请填写数字，如1234.56",
    "{name}: between 0 and {limit_1} on a {meter_digits}-digit register": "{name}: {meter_digits}位表盘的示数须在0至{limit_1}之间",
    "{name}: meter {meter_number} has no time-of-use registers": "{name}: 电表{meter_number}没有峰谷计度器",
    "{name}: {value} is lower than the previous reading {before}": "{name}: {value}低于上次示数{before}",
    "no reading {reading_id} of a meter of account {account_number}": "户号{account_number}的电表没有编号为{reading_id}的示数",
    "reading {reading_id} was voided already": "示数{reading_id}已作废",
    "an installation reading starts the meter's register; it cannot be voided": "装表示数是电表的起始示数，不能作废",
    "no account {number}": "没有户号{number}",
    "a premises needs an address": "用电地址须填写地址",
    "no meter {shared_meter_number}": "没有电表{shared_meter_number}",
    "meter {shared_number} serves one household already": "电表{shared_number}已只服务一户",
    "meter {shared_number} does not serve premises {premises_id}": "电表{shared_number}不服务于用电地址{premises_id}",
    "area_class must be one of {join_AREA_CLASSES}": "区域类别须为以下之一：{join_AREA_CLASSES}",
    "category must be one of {join_CATEGORIES}": "用户类别须为以下之一：{join_CATEGORIES}",
    "an account number has 6 to 20 digits": "户号为6至20位数字",
    "account {number} exists already": "户号{number}已存在",
    "give a phone, a name, an address or an account number to search by": "请输入电话、姓名、地址或户号进行查找",
    "phone must hold 5 to 20 digits": "电话须为5至20位数字",
    "no customer {customer_id}": "没有编号为{customer_id}的客户",
    "a customer needs at least a phone or an address": "客户至少需要电话或地址",
    # the API and the console's own checks
    "send Authorization: Bearer <token>; get one at /api/v1/auth/token": "请发送 Authorization: Bearer <token>；可在 /api/v1/auth/token 获取",
    "a value is out of range or holds characters that cannot be stored": "有数值超出范围，或含有无法保存的字符",
    "If-Match must hold the order's version number": "If-Match须为工单的版本号",
    "step: malformed JSON": "step: JSON格式错误",
    "too many failed logins; try again later": "登录失败次数过多，请稍后再试",
    "format: one of {join_FORMATS}": "format: 须为以下之一：{join_FORMATS}",
    "the form has no {name}": "表单缺少{name}",
    "active must be 1 (enable) or 0 (disable)": "启用状态须为1（启用）或0（停用）",
    "no such role": "没有这个角色",
    "a district needs a code and a name": "供电区域须填写代码和名称",
    "a department needs a code and a name": "部门须填写代码和名称",
    "choose the supervisor": "请选择值班领导",
    "choose the department": "请选择部门",
    "a day like 2027-01-01": "请填写日期，如2027-01-01",
    "a day like 2026-12-01": "请填写日期，如2026-12-01",
    "unknown unit {unit!r}": "未知的单位{unit!r}",
    "a year's schedule is at most 256 KiB": "一年的节假日安排文件最大256 KiB",
    "a login must come from this site's own form": "请从本站的登录页登录",
    "{key} must be a number": "{key}须为数字",
    "when: a date and time like 2026-11-28 09:30": "when: 请填写日期和时间，如2026-11-28 09:30",
    "the form is stale or came from elsewhere; reload the page": "表单已过期或来源不明，请刷新页面",
    "unknown kind of job {kind!r}": "未知的任务类型{kind!r}",
    "no job {job_id}": "没有编号为{job_id}的任务",
    "kind: one of {join_IMPORTERS}": "kind: 须为以下之一：{join_IMPORTERS}",
    "file: the file is empty": "file: 文件为空",
    "file: at most {limit_1024_1024} MiB per file": "file: 每个文件最大{limit_1024_1024} MiB",
    # kit
    "{field}: a whole number": "{field}: 须为整数",
    "{field}: a whole number from {low} to {high}": "{field}: 须为{low}至{high}之间的整数",
    "{field}: at most {places} decimals": "{field}: 最多{places}位小数",
    "{field}: at most {digits_places} digits before the decimal point": "{field}: 整数部分最多{digits_places}位",
    "must not be before {EARLIEST_isoformat}": "不能早于{EARLIEST_isoformat}",
    "must not be more than {YEARS_AHEAD} years ahead": "不能晚于{YEARS_AHEAD}年之后",
    "must not contain control characters (such as NUL)": "不能包含控制字符（如NUL）",
    "give the number as text or an integer, not a float": "数字请以文本或整数给出，不能是浮点数",
    "{value!r} is not a number": "{value!r}不是数字",
    "{value!r} is not a finite number": "{value!r}不是有限的数字",
    "an ID number has 18 characters: 17 digits and a digit or X": "身份证号为18位：17位数字加一位数字或X",
    "{number_6_14} is not a birth date": "{number_6_14}不是有效的出生日期",
    "the check digit does not match (a digit mistyped?)": "校验位不符（是否输错了一位？）",
    # organisation and staff
    "unknown department kind {kind!r}": "未知的部门类型{kind!r}",
    "department code {code!r} exists": "部门代码{code!r}已存在",
    "no department {department_id}": "没有编号为{department_id}的部门",
    "no active department {department_id}": "没有编号为{department_id}的在用部门",
    "no district {district_id}": "没有编号为{district_id}的供电区域",
    "district code {code!r} exists": "供电区域代码{code!r}已存在",
    "token expired; log in again": "令牌已过期，请重新登录",
    "invalid or revoked token": "令牌无效或已吊销",
    "account disabled": "账号已停用",
    "username must have 1 to 64 characters": "用户名须为1至64个字符",
    "a department handler needs a department": "部门处理人须指定所属部门",
    "username {username!r} is taken": "用户名{username!r}已被使用",
    "no staff member {username!r}": "没有用户名为{username!r}的员工",
    "an administrator cannot disable his own account": "管理员不能停用自己的账号",
    "an administrator cannot take his own administration away": "管理员不能取消自己的管理员角色",
    "{staff_username} is the last active administrator; make another one first": "{staff_username}是最后一位在用的管理员，请先设置另一位管理员",
    "unknown role {value!r}; one of {join_STAFF_ROLES}": "未知的角色{value!r}，须为以下之一：{join_STAFF_ROLES}",
    "wrong username or password": "用户名或密码错误",
    # programme
    "no episode {episode_id}": "没有编号为{episode_id}的节目",
    "only programme contacts belong to an episode": "只有节目热线的来电才属于某期节目",
    "the programme airs on weekdays; mark a weekend show special": "节目在工作日播出；周末节目请标记为特别节目",
    "an episode on {air_date} exists": "{air_date}的节目已存在",
    "the roster needs a company leader on duty": "值班表须有一位公司领导值班",
    "duty must be one of {join_DUTIES}": "值班职责须为以下之一：{join_DUTIES}",
    "no staff member {member_staff_id}": "没有编号为{member_staff_id}的员工",
    # record imports
    "the file has no {column!r} column (needs {join_required})": "文件缺少{column!r}列（需要{join_required}）",
    "this is a Parquet file and pyarrow is not installed (pip install 'quarterhour[parquet]'), or save it as CSV": "这是Parquet文件，但服务器未安装pyarrow（pip install 'quarterhour[parquet]'），请另存为CSV",
    "not a readable Parquet file: {error}": "无法读取的Parquet文件：{error}",
    "{report_rejected} of {report_rows} rows are wrong; nothing was imported (first: row {first_row}, {first_field}: {first_message})": "{report_rows}行中有{report_rejected}行有误，整份未导入（第一处：第{first_row}行，{first_field}：{first_message}）",
    "the file is neither UTF-8 nor GB18030 text": "文件既不是UTF-8也不是GB18030编码的文本",
    "row {p_row}, {p_field}: {p_message}": "第{p_row}行，{p_field}：{p_message}",
    # record imports: a row set aside, said next to the column at fault (RowProblem, Problem)
    "a field is longer than {csv_field_size_limit:,} characters": "有字段超过{csv_field_size_limit:,}个字符",
    "not readable as CSV ({error})": "无法按CSV读取（{error}）",
    "{values_get_name!r} is not a date (YYYY-MM-DD)": "{values_get_name!r}不是日期（YYYY-MM-DD）",
    "{values_get_name!r} is not a number": "{values_get_name!r}不是数字",
    "must lie between 0 and {limit_1} on this register": "须在0至{limit_1}之间（本表示数范围）",
    "at most two decimals": "最多两位小数",
    "at most {places} decimals": "最多{places}位小数",
    "at most {digits_places} digits before the decimal point": "整数部分最多{digits_places}位",
    "{text!r} is not a whole number from {low} to {high}": "{text!r}不是{low}至{high}之间的整数",
    "yes or no": "须为是或否",
    "missing": "未填写",
    "longer than {limit} characters": "超过{limit}个字符",
    "no meter {values_get_meter!r}": "没有电表{values_get_meter!r}",
    "{read_on} has not come yet": "{read_on}尚未到来",
    "the register value is missing": "缺少示数",
    "a TOU meter reads both": "分时电表须同时抄录峰、谷示数",
    "kind is regular or final (installations are not imported)": "抄表类型须为regular或final（装表示数不经导入）",
    "source is actual or estimated": "示数来源须为actual或estimated",
    "the meter has no reading to follow (install it first)": "该电表没有可接续的示数（请先装表）",
    "before the meter's last reading of {previous_read_on}": "早于该电表{previous_read_on}的上次示数",
    "this meter already has a reading of this kind that day": "该电表当天已有同类型的示数",
    "{total} is lower than the previous reading {previous_total} without roll-over": "{total}低于上次示数{previous_total}，且未标记示数翻转",
    "{period_text!r} is not a month (YYYY-MM)": "{period_text!r}不是月份（YYYY-MM）",
    "no district {values_get_district!r} (code or name)": "没有供电区域{values_get_district!r}（按代码或名称）",
    "no tariff {values_get_tariff!r} (see billing tariffs list)": "没有电价{values_get_tariff!r}（见 billing tariffs list）",
    "one of {join_AREA_CLASSES}": "须为以下之一：{join_AREA_CLASSES}",
    "one of {join_CATEGORIES}": "须为以下之一：{join_CATEGORIES}",
    "one of {join_CHANNELS}": "须为以下之一：{join_CHANNELS}",
    "this ID number belongs to a customer of another name": "该身份证号属于另一姓名的客户",
    "no account {values_get_account!r} (import customers first)": "没有户号{values_get_account!r}（请先导入客户）",
    "{installed_on} has not come yet": "{installed_on}尚未到来",
    "before the account was opened on {owner_opened_on}": "早于账户开户日期{owner_opened_on}",
    "an address is longer than 200 characters": "有地址超过200个字符",
    "an address is listed twice": "有地址重复列出",
    "{text!r} is not a date and time": "{text!r}不是日期和时间",
    "no account {values_get_account!r}": "没有户号{values_get_account!r}",
    "in the future": "晚于现在",
    "before the account was opened on {opened_on}": "早于账户开户日期{opened_on}",
    "this reference was used for another payment": "该凭证号已用于另一笔缴费",
    "the premises at this address lies at {latitude}, {longitude} already": "该用电地址已有坐标{latitude}, {longitude}",
    # outages and the supply network
    "a code has no spaces": "编码中不能有空格",
    "at most six decimals": "最多六位小数",
    "must lie between -{limit} and {limit} degrees": "须在-{limit}至{limit}度之间",
    "give both coordinates or neither": "经纬度须同时填写或都不填",
    "no feeder {values_get_feeder!r} (import feeders first)": "没有线路{values_get_feeder!r}（请先导入线路）",
    "no transformer {values_get_transformer!r} (import transformers first)": "没有台区{values_get_transformer!r}（请先导入台区）",
    "row {row_number} gives this premises another transformer": "第{row_number}行已为该用电地址指定了另一个台区",
    "{code} is given twice in this file": "{code}在本文件中出现了两次",
    "a {outage_kind} outage that is {outage_state} cannot {action}": "处于{outage_state}状态的{outage_kind}停电不能执行{action}",
    "account: give an account number or a premises id": "account: 请填写户号或用电地址编号",
    "cause: say why the supply is cut": "cause: 请填写停电原因",
    "expected_restoration_at: after the start": "expected_restoration_at: 预计复电时间须晚于停电开始时间",
    "kind: one of {join_Kind}": "kind: 须为以下之一：{join_Kind}",
    "state: one of {join_State}": "state: 须为以下之一：{join_State}",
    "no outage {outage_id}": "没有编号为{outage_id}的停电",
    "no premises {premises_id}": "没有编号为{premises_id}的用电地址",
    "reason: say why it is cancelled": "reason: 请填写取消原因",
    "starts_at: a fault has started already": "starts_at: 故障停电的开始时间不能晚于现在",
    "starts_at: {problem}": "starts_at: {problem}",
    "a planned outage is announced at least {NOTICE_DAYS} days before it starts: the earliest start for a notice published now is {earliest:%Y-%m-%d %H:%M}": "计划停电须至少提前{NOTICE_DAYS}天公告：现在公告，最早的停电开始时间为{earliest:%Y-%m-%d %H:%M}",
    "transformers: at most {MAX_TRANSFORMERS} in one outage": "transformers: 一次停电最多{MAX_TRANSFORMERS}个台区",
    "transformers: name the feeders or transformers the outage covers": "transformers: 请填写停电涉及的线路或台区",
    "{field}: a time that has not come yet": "{field}: 时间不能晚于现在",
    "{field}: before the outage started ({not_before:%Y-%m-%d %H:%M})": "{field}: 早于停电开始时间（{not_before:%Y-%m-%d %H:%M}）",
    "{field}: no such code {join_missing_5}": "{field}: 没有这些编码：{join_missing_5}",
    "{field}: a date and time like 2026-11-28 09:30": "{field}: 请填写日期和时间，如2026-11-28 09:30",
    "{field}: give a date and time": "{field}: 请填写日期和时间",
    "no step {action}": "没有“{action}”这一步",
    # tariffs
    "tariff {self_tariff_code} from {self_effective_from}": "电价{self_tariff_code}自{self_effective_from}起的版本",
    "{prefix}: {name} has more than {places} decimals": "{prefix}: {name}超过{places}位小数",
    "{prefix}: a tiered tariff needs tier1_limit and tier2_limit": "{prefix}: 阶梯电价须填写第一档和第二档上限",
    "{prefix}: tiers overlap or leave a gap (need 0 < tier1_limit < tier2_limit)": "{prefix}: 阶梯重叠或有空档（须 0 < 第一档上限 < 第二档上限）",
    "{prefix}: tier surcharges must rise (0 <= tier2 <= tier3)": "{prefix}: 各档加价须递增（0 <= 第二档 <= 第三档）",
    "tariff {later_tariff_code}: the version from {later_effective_from} overlaps the one from {earlier_effective_from}": "电价{later_tariff_code}：{later_effective_from}起的版本与{earlier_effective_from}起的版本重叠",
    "tariff {later_tariff_code}: no price from {earlier_effective_to} to {later_effective_from_timedelta_days_1}": "电价{later_tariff_code}：{earlier_effective_to}至{later_effective_from_timedelta_days_1}没有价格",
    "no tariff version in force on {day}": "{day}没有执行中的电价版本",
    "{prefix}: ends before it starts": "{prefix}: 结束早于开始",
    "{prefix}: {name} is negative": "{prefix}: {name}不能为负数",
    "{prefix}: time-of-use needs both peak_price and valley_price": "{prefix}: 峰谷电价须同时填写峰电价和谷电价",
    "no tariff {code!r}": "没有电价{code!r}",
    "a tariff code has 1 to 32 characters": "电价代码须为1至32个字符",
    "say where the prices come from (the notice)": "请注明电价的依据（文件）",
    "tariff {code} exists already; add a version to it": "电价{code}已存在，请为其添加新版本",
    "flat_price is required": "须填写单一电价",
    "tier_mode must be one of {join_TierMode}": "阶梯方式须为以下之一：{join_TierMode}",
    "tariff {tariff_code} already has a version from {effective_from} or later; versions are added in date order": "电价{tariff_code}已有{effective_from}或更晚的版本；版本须按日期顺序添加",
    # search
    "limit: from 1 to {MAX_LIMIT}": "limit: 须为1至{MAX_LIMIT}",
    "q: type an order number, a phone, an account, a name…": "q: 请输入工单号、电话、户号、姓名等",
    "q: at most {MAX_TERM} characters": "q: 最多{MAX_TERM}个字符",
    # work orders
    "no such attachment on this order": "该工单没有这个附件",
    "no such attachment": "没有这个附件",
    "at most {MAX_PER_STEP} files per step": "每个环节最多{MAX_PER_STEP}个文件",
    "{upload_name}: the file is empty": "{upload_name}：文件为空",
    "{upload_name}: larger than {MAX_ATTACHMENT_BYTES_1024_1024} MiB": "{upload_name}：超过{MAX_ATTACHMENT_BYTES_1024_1024} MiB",
    "{upload_name}: only photos (JPEG, PNG, WebP) and PDF scans are accepted": "{upload_name}：只接受照片（JPEG、PNG、WebP）和PDF扫描件",
    "you may list your own department's orders only": "只能查看本部门的工单",
    "a contact cannot be received in the future": "受理时间不能晚于现在",
    "account {ref_account} is not customer {ref_id}'s": "户号{ref_account}不属于客户{ref_id}",
    "Idempotency-Key must have 1 to 128 characters": "Idempotency-Key须为1至128个字符",
    "this Idempotency-Key was used for a different contact": "该Idempotency-Key已用于另一次来电",
    "the crew's arrival is already recorded for this visit": "本次出车已记录到达现场",
    "restoration follows the crew's arrival, once per visit": "恢复送电须在到达现场之后，每次出车一次",
    "a repair is returned after supply is restored": "抢修须在恢复送电后才能回单",
    "this order needs a follow-up (回访) before it is archived": "该工单须先回访才能归档",
    "only a connection (报装) whose clock runs can wait for the customer": "只有正在计时的报装工单才能暂停等待客户",
    "the clock is not paused": "计时未暂停",
    "the order is not linked to an outage": "该工单未关联停电",
    "the order changed since version {data_version}; it is now version {order_version} in state {state}": "工单在版本{data_version}之后已被修改，现为版本{order_version}，状态为{state}",
    "{action} is not allowed in state {state}": "工单处于{state}状态，不能{action}",
    "role {by_role} may not {action}; allowed roles: {join_sorted_str_r_for_r_in_move_roles}": "角色{by_role}不能{action}；可执行的角色：{join_sorted_str_r_for_r_in_move_roles}",
    "only the order's own department may do this": "只有工单所属部门可以执行此操作",
    "{action} does not apply to a {order_order_type}": "{order_order_type}工单不适用{action}",
    "{action} is not open now: {GUARD_REASONS_move_guard}": "现在不能{action}：{GUARD_REASONS_move_guard}",
    "at: a step cannot be dated in the future": "at: 环节时间不能晚于现在",
    "at: a step cannot be dated before the order was accepted": "at: 环节时间不能早于受理时间",
    "at: {what} ({clock_local_earliest_isoformat_timespec_minutes})": "at: {what}（{clock_local_earliest_isoformat_timespec_minutes}）",
    "直接办结 needs the answer given to the caller": "直接办结须填写给来电人的答复",
    "no routing rule matched: choose the department": "没有匹配的派单规则，请选择部门",
    "say why the order is not this department's work": "请说明该工单不属于本部门的原因",
    "a progress record needs a note": "进展记录须填写说明",
    "the crew cannot arrive before it was dispatched": "到达现场不能早于派车",
    "restoration cannot precede the crew's arrival": "恢复送电不能早于到达现场",
    "回单 needs the result of the work": "回单须填写处理结果",
    "a repair cannot be returned before restoration": "抢修不能在恢复送电前回单",
    "the work cannot be returned before it was dispatched": "回单不能早于派单",
    "say what the customer has to do (暂停计时)": "请说明客户需要做什么（暂停计时）",
    "the clock cannot run again before it was paused": "恢复计时不能早于暂停",
    "say what must be redone (退回重办)": "请说明需要重办的内容（退回重办）",
    "how was the customer told: programme, counter, phone, sms, letter, visit": "请选择答复客户的方式：节目、柜台、电话、短信、信函、上门",
    "a follow-up needs its outcome: satisfied, basically_satisfied, dissatisfied or unreachable": "回访须选择结果：满意、基本满意、不满意或未接通",
    "say why the order is cancelled": "请说明撤销工单的原因",
    "a comment needs its text": "备注须填写内容",
    "only a 分户装表 service request (meter_split) records a meter split": "只有分户装表的业务工单才能记录分户",
    "unknown action {action!r}; one of {join_a_for_a_in_Action}": "未知的操作{action!r}，须为以下之一：{join_a_for_a_in_Action}",
    "the order kept changing while this action ran; try again": "执行期间工单不断被修改，请重试",
    "the caller's whole number is shown only while the order is open": "只有工单在办时才能查看来电人的完整号码",
    "{order_type} always needs a follow-up: complaints and emergency repairs are always followed up (回访)": "{order_type}必须回访：投诉和紧急抢修一律回访",
    "time limit given twice: {key}": "时限重复：{key}",
    "a time limit must be positive": "时限须大于0",
    "no time-limit policy is in force on {on_isoformat}; an administrator must add one": "{on_isoformat}没有执行中的时限标准，须由管理员添加",
    "a policy needs a code of 1 to 32 characters": "时限标准代码须为1至32个字符",
    "name the notice the limits come from": "请注明时限的依据（文件）",
    "policy {code} exists": "时限标准{code}已存在",
    "no policy to start from: run quarterhour db upgrade": "没有可作为基础的时限标准：请运行 quarterhour db upgrade",
    "a new version starts after the newest one ({base_effective_from})": "新版本的执行日期须晚于最新版本（{base_effective_from}）",
    "no account {ref_account}": "没有户号{ref_account}",
    "no work order matches this number and phone": "工单号与电话后四位不匹配，未找到工单",
    "no work order {order_id}": "没有编号为{order_id}的工单",
    "unknown order type {order_type!r}": "未知的业务类型{order_type!r}",
    "{order_type} has no sub-type {subtype!r}": "{order_type}没有子类{subtype!r}",
    "{kind} has no sub-type {matter_subtype!r} (allowed: {allowed})": "{kind}没有子类{matter_subtype!r}（可选：{allowed}）",
    "a fault repair needs its area class (urban, rural, remote)": "故障报修须选择区域类别（城区、农村、偏远）",
    "only fault repairs have an area class": "只有故障报修才有区域类别",
    "only a consultation can be answered and closed at intake": "只有咨询可以在受理时直接答复办结",
    # crews (抢修班组, 抢修车辆)
    "a crew that is {current} cannot become {target}; it may become {allowed_text}": "班组当前为{current}，不能改为{target}；可改为：{allowed_text}",
    "a crew {code} exists already": "班组{code}已存在",
    "at: a time like 2026-12-01T08:30": "at: 请填写时间，如2026-12-01T08:30",
    "a vehicle {plate} exists already": "车辆{plate}已存在",
    "at: before the crew's last change, at {since:%Y-%m-%d %H:%M}": "at: 早于班组上次状态变更的时间{since:%Y-%m-%d %H:%M}",
    "crew {crew_id} has no shift {shift_id}": "班组{crew_id}没有编号为{shift_id}的班次",
    "department {department_id} is not a repair department": "部门{department_id}不是抢修部门",
    "end: after start": "end: 须晚于开始时间",
    "ends_at: a shift is at most 24 hours long": "ends_at: 一个班次最长24小时",
    "ends_at: the shift ends after it starts": "ends_at: 班次结束时间须晚于开始时间",
    "kind: one of {allowed}": "kind: 须为以下之一：{allowed}",
    "no active staff member {staff_id}": "没有编号为{staff_id}的在职员工",
    "no crew {crew_id}": "没有编号为{crew_id}的抢修班组",
    "no vehicle {vehicle_id}": "没有编号为{vehicle_id}的车辆",
    "only the crew's own members report for it": "只有本班组成员可以上报本班组的状态和位置",
    "staff member {staff_id} is not a handler of the crew's department": "员工{staff_id}不是该班组所属部门的处理人员",
    "staff member {staff_id} is not on crew {crew_id}": "员工{staff_id}不在班组{crew_id}中",
    "staff member {staff_id} is on a crew already": "员工{staff_id}已在其他班组中",
    "status: one of {allowed_all}": "status: 须为以下之一：{allowed_all}",
    "the crew has members of its department; remove them first": "班组还有本部门的成员，请先移出成员",
    "the crew is on duty from {begins} to {ends} already": "该班组在{begins}至{ends}已有班次",
    "the crew's status was changed by someone else; reload": "班组状态已被他人更改，请刷新",
    "{field}: a number plate such as 皖A·D1234 (province, letter, 5 or 6 characters)": "{field}: 请填写车牌号，如皖A·D1234（省份简称、字母，再加5或6位）",
    "{field}: at most 24 hours ago": "{field}: 最早为24小时前",
    "{field}: at most {longest} characters": "{field}: 最多{longest}个字符",
    "{field}: give the time zone": "{field}: 请注明时区",
    "{field}: must not be empty": "{field}: 不能为空",
    "{field}: must not be in the future": "{field}: 不能晚于现在",
    "{name}: between -{limit} and {limit} degrees": "{name}: 须在-{limit}至{limit}度之间",
    "{name}: give the time zone": "{name}: 请注明时区",
    # crew administration in the console (routes/crews.py, routes/crew_admin.py)
    "department_id: choose the crew's department": "department_id: 请选择班组所属部门",
    "{field}: 1 (yes) or 0 (no)": "{field}: 须为1（是）或0（否）",
    "no form {form}": "没有“{form}”这个表单",
    "reason: at most {MAX_REASON} characters": "reason: 最多{MAX_REASON}个字符",
    # a roster file's rows (crews/roster_import.py)
    "no crew {code!r}": "没有班组{code!r}",
    "{text!r} is not a date and time (YYYY-MM-DD HH:MM)": "{text!r}不是日期和时间（YYYY-MM-DD HH:MM）",
    "the shift ends after it starts": "班次结束时间须晚于开始时间",
    "a shift is at most 24 hours long": "一个班次最长24小时",
    "overlaps the shift of row {mine}": "与第{mine}行的班次重叠",
    # What a time typed by hand lacks, said alone: "starts_at: {problem}" (the 7-day rule's)
    # reads a typed start's problem through these.
    "a date and time like 2026-11-28 09:30": "请填写日期和时间，如2026-11-28 09:30",
    "give a date and time": "请填写日期和时间",
    # outage calls: suggested faults and calls answered by a planned outage (issue 14, intake)
    "window: 1 to 1440 minutes": "window: 1至1440分钟",
    "threshold: 2 to {MAX_THRESHOLD} calls": "threshold: 2至{MAX_THRESHOLD}个来电",
    "a call answered by an outage is a consultation": "按停电信息当场答复的来电应登记为咨询",
    "outage {outage_id} does not cover the caller's premises now or in the coming days": "停电{outage_id}不涉及该客户的用电地址（当前或未来7天内）",
    # crew jobs (派抢修班组, the crew's steps)
    "a job that is {current} cannot be {wanted}": "任务当前为{current}，不能记录{wanted}",
    "an order that is {order_state} is not sent to a crew": "工单当前为{order_state}，不能派抢修班组",
    "an outage that is {outage_state} needs no crew": "停电当前为{outage_state}，无需派抢修班组",
    "at: before the crew was sent ({since:%Y-%m-%d %H:%M})": "at: 早于派出班组的时间（{since:%Y-%m-%d %H:%M}）",
    "at: before the step before ({since:%Y-%m-%d %H:%M})": "at: 早于上一步的时间（{since:%Y-%m-%d %H:%M}）",
    "chosen_by: one of {join_CHOSEN_BY}": "chosen_by: 须为以下之一：{join_CHOSEN_BY}",
    "crew {crew_id} has this work already (job {job_id})": "班组{crew_id}已在处理该任务（任务{job_id}）",
    "crew {crew_id} is not an active crew of a repair department": "班组{crew_id}不是在用的抢修部门班组",
    "crew {crew_id} is off duty; send a crew on duty": "班组{crew_id}已下班，请派值班班组",
    "dispatch_to_crew: only a repair department has crews": "dispatch_to_crew: 只有抢修部门有抢修班组",
    "dispatch_to_crew: only fault repairs go to a crew": "dispatch_to_crew: 只有故障报修可自动派给抢修班组",
    "job {job_id} is {job_step} already": "任务{job_id}已是{job_step}",
    "no crew job {job_id}": "没有编号为{job_id}的抢修任务",
    "no crew of the district is on duty and available: choose the crew": "本区暂无待命的值班班组，请选择班组",
    "only a fault repair is sent to a repair crew": "只有故障报修可派抢修班组",
    "step: one of {join_CREW_STEPS}": "step: 须为以下之一：{join_CREW_STEPS}",
    "the call is linked to outage {order_outage_id}: send the crew to the outage": "该来电已关联停电{order_outage_id}，请向该停电派抢修班组",
    "the job changed since version {version}; it is now {job_step}": "任务在版本{version}之后已变更，现为{job_step}",
    "the job was changed by someone else; reload": "任务已被他人更新，请刷新",
    "the order is being handled by another department; it cannot take this crew": "工单正由其他部门处理，不能派该班组",
    "{missing}: a position has both coordinates": "{missing}: 位置须同时有纬度和经度",
    "{field}: a number of degrees": "{field}: 请填写度数",
    # notifications: the SMS gateway's callbacks (delivery reports, customers' replies)
    "at: an ISO-8601 time": "at: 须为ISO-8601格式的时间",
    "body: a JSON document": "body: 须为JSON文档",
    "body: a JSON object": "body: 须为JSON对象",
    "body: at most {MAX_CALLBACK_BYTES} bytes": "body: 最多{MAX_CALLBACK_BYTES}字节",
    "error: text or null": "error: 须为文本或null",
    "from: a mobile number (11 digits, 1[3-9]…)": "from: 须为手机号码（11位，以13至19开头）",
    "status: delivered or failed": "status: 须为delivered或failed",
    "text: at most {MAX_TEXT} characters": "text: 最多{MAX_TEXT}个字符",
    "text: the reply's text": "text: 须为回复短信的文本",
    "{field}: required": "{field}: 必须填写",
    # notifications: message templates, contact preferences, webhook endpoints (the outbox)
    "no message kind {name}": "没有{name}这类消息",
    "channel: one of sms, email": "channel: 须为sms或email",
    "lang: one of zh, en": "lang: 须为zh或en",
    "{field}: unknown variable {written}; this kind has {listing}": "{field}: 未知变量{written}，此类消息可用的变量：{listing}",
    "body: the text is empty": "body: 内容不能为空",
    "body: at most {BODY_MAX_CHARS} characters": "body: 最多{BODY_MAX_CHARS}个字符",
    "body: an SMS is at most {SMS_MAX_CHARS} characters with the sample values": "body: 短信代入示例值后最多{SMS_MAX_CHARS}个字符",
    "subject: at most {SUBJECT_MAX_CHARS} characters": "subject: 最多{SUBJECT_MAX_CHARS}个字符",
    "no message channel {channel}": "没有{channel}这种通知渠道",
    "no message language {lang}": "没有{lang}这种通知语言",
    "url: an http or https address": "url: 须为http或https地址",
    "url: at most 500 characters": "url: 最多500个字符",
    "kinds: no message kind {unknown_0}": "kinds: 没有{unknown_0}这类消息",
    "kinds: name at least one kind of message": "kinds: 请至少选择一类消息",
    "no webhook endpoint {endpoint_id}": "没有编号为{endpoint_id}的推送地址",
    "email: an e-mail address like name@example.cn": "email: 请填写电子邮箱，如name@example.cn",
    "email: give the address e-mails go to": "email: 请填写接收邮件的地址",
    "opted_out: no message kind {unknown_0}": "opted_out: 没有{unknown_0}这类消息",
    # self-service intake: one-time codes
    "phone must be a mobile number of 11 digits": "手机号码须为11位数字",
    "the code is wrong or no longer valid; ask for a new one": "验证码错误或已失效，请重新获取",
    "a code was sent to this phone a moment ago; try again in {wait} seconds": "验证码刚刚已发送到该手机，请{wait}秒后再试",
    "too many codes for this phone this hour; try again in {wait} seconds": "该手机本小时获取验证码次数过多，请{wait}秒后再试",
    "too many codes asked from this address; try again in {wait} seconds": "该网络地址获取验证码次数过多，请{wait}秒后再试",
    "too many wrong codes from this address; try again later": "该网络地址输错验证码次数过多，请稍后再试",
}

_PLACEHOLDER = re.compile(r"\{\w+(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    groups: dict[str, str]  # placeholder → its group in the pattern
    chinese: str
    lead: str | None  # the placeholder a message starts with as its field ("{field}: …")


@cache
def _templates() -> tuple[_Template, ...]:
    """The catalogue's templates as patterns: those that start with words before those that
    start with a value (a strict import's "row 7, total: 'x' is not a number" is a row's line
    holding a message, not a quoted value "row 7, total: 'x'" that is no number), then those
    with the most words first (so that "{field}: a whole number from {low} to {high}" is tried
    before "{field}: a whole number"). A value holds no ": " unless it is free text (a message,
    an error, something quoted): "tariff X from 2027-01-01: flat_price is negative" is a
    version's problem, not a version "from 2027-01-01: flat_price is negative"."""
    out = []
    for english, chinese in CATALOGUE.items():
        tokens = placeholders(english)
        if not tokens:
            continue
        groups: dict[str, str] = {}
        pattern, last = "", 0
        for found in _PLACEHOLDER.finditer(english):
            pattern += re.escape(english[last : found.start()])
            token = found.group()
            if token in groups:
                pattern += f"(?P={groups[token]})"
            else:
                groups[token] = f"p{len(groups)}"
                value = ".+?" if _is_free(token) else "(?:(?!: ).)+?"
                pattern += f"(?P<{groups[token]}>{value})"
            last = found.end()
        pattern += re.escape(english[last:])
        lead = _LEAD.match(english)
        out.append(
            _Template(re.compile(pattern, re.DOTALL), groups, chinese, lead and lead.group(1))
        )
    return tuple(
        sorted(
            out,
            key=lambda t: (
                t.pattern.pattern.startswith("(?P<"),
                -len(_PLACEHOLDER.sub("", t.pattern.pattern)),
            ),
        )
    )


# A code put into a message, by the placeholder it fills: its label in the reader's language.
_CODES: tuple[tuple[str, Mapping[str, labels.Label]], ...] = (
    ("action", labels.ACTIONS),
    ("state", labels.STATES),
    ("order_type", labels.KINDS),
    ("kind", labels.KINDS),
    ("role", labels.ROLES),
)


# A message that starts with its field ("{field}: a whole number"): the refusal splits the field
# off and labels it itself, so that placeholder keeps the field's name.
_LEAD = re.compile(r"^(\{\w+\}): ")
# A field's name or path as a value ({first_field}, {name}), not a sentence or a tuple.
_FIELD_VALUE = re.compile(r"[A-Za-z_][\w.\[\]]*")


def _is_free(token: str) -> bool:
    """Whether a placeholder holds free text, which may itself say "x: y"."""
    name = token.strip("{}").split(":")[0]
    return name.endswith("!r") or name.endswith(_FREE_TEXT)


_FREE_TEXT = ("message", "prefix", "error", "msg", "what", "guard", "reason")


def _is_field(name: str) -> bool:
    """Whether a placeholder is filled with a field's name: the one a row's problem names
    (`{first_field}`), the field a check refused (`{name}`, `{key}`)."""
    return name.endswith("field") or name in ("name", "key")


def _value(token: str, value: str, lead: str | None) -> str:
    exact = CATALOGUE.get(value)
    if exact is not None:
        return exact
    name = token.strip("{}").split("!")[0].split(":")[0]
    if name.endswith(("message", "prefix")):
        # A message inside a message (a strict import's first problem, a tariff version named
        # in front of what is wrong with it) is said in Chinese too.
        return chinese(value) or value
    if token != lead and _is_field(name) and _FIELD_VALUE.fullmatch(value):
        return column_label(value, "zh")
    for suffix, table in _CODES:
        if name.endswith(suffix) and value in table:
            return labels.text(table, value, "zh")
    return value


def chinese(message: str) -> str | None:
    """The Chinese of a message of the catalogue, or None when it has none."""
    exact = CATALOGUE.get(message)
    if exact is not None:
        return exact
    for template in _templates():
        found = template.pattern.fullmatch(message)
        if found is None:
            continue
        text = template.chinese
        for token, group in template.groups.items():
            text = text.replace(token, _value(token, found.group(group), template.lead))
        return text
    return None


# Pydantic's refusals by error type: (Chinese, English), `{name}` from the error's context.
PYDANTIC: dict[str, tuple[str, str]] = {
    "missing": ("必须填写", "is required"),
    "string_too_short": ("至少{min_length}个字符", "needs at least {min_length} characters"),
    "string_too_long": ("最多{max_length}个字符", "takes at most {max_length} characters"),
    "string_type": ("须为文字", "must be text"),
    "string_pattern_mismatch": ("格式不正确", "is not in the expected form"),
    "too_short": ("至少{min_length}项", "needs at least {min_length} items"),
    "too_long": ("最多{max_length}项", "takes at most {max_length} items"),
    "int_parsing": ("须为整数", "must be a whole number"),
    "int_type": ("须为整数", "must be a whole number"),
    "int_from_float": ("须为整数", "must be a whole number"),
    "float_parsing": ("须为数字", "must be a number"),
    "decimal_parsing": ("须为数字", "must be a number"),
    "decimal_type": ("须为数字", "must be a number"),
    "decimal_max_places": ("最多{decimal_places}位小数", "takes at most {decimal_places} decimals"),
    "decimal_max_digits": ("最多{max_digits}位数字", "takes at most {max_digits} digits"),
    "decimal_whole_digits": (
        "整数部分最多{whole_digits}位",
        "takes at most {whole_digits} digits before the decimal point",
    ),
    "finite_number": ("须为有限的数字", "must be a finite number"),
    "greater_than": ("须大于{gt}", "must be greater than {gt}"),
    "greater_than_equal": ("不能小于{ge}", "must be at least {ge}"),
    "less_than": ("须小于{lt}", "must be less than {lt}"),
    "less_than_equal": ("不能大于{le}", "must be at most {le}"),
    "bool_parsing": ("须为是或否", "must be yes or no"),
    "date_parsing": ("须为日期，如2026-11-28", "must be a date like 2026-11-28"),
    "date_from_datetime_parsing": ("须为日期，如2026-11-28", "must be a date like 2026-11-28"),
    "date_type": ("须为日期，如2026-11-28", "must be a date like 2026-11-28"),
    "datetime_parsing": (
        "须为日期和时间，如2026-11-28 09:30",
        "must be a date and time like 2026-11-28 09:30",
    ),
    "datetime_from_date_parsing": (
        "须为日期和时间，如2026-11-28 09:30",
        "must be a date and time like 2026-11-28 09:30",
    ),
    "datetime_type": (
        "须为日期和时间，如2026-11-28 09:30",
        "must be a date and time like 2026-11-28 09:30",
    ),
    "timezone_aware": ("须带时区", "must carry its time zone"),
    "enum": ("须为以下之一：{expected}", "must be one of {expected}"),
    "literal_error": ("须为以下之一：{expected}", "must be one of {expected}"),
    "extra_forbidden": ("不是可填写的项", "is not a field of this form"),
    "list_type": ("须为列表", "must be a list"),
    "dict_type": ("须为一组字段", "must be a group of fields"),
    "model_type": ("须为一组字段", "must be a group of fields"),
    "json_invalid": ("不是有效的JSON", "is not valid JSON"),
}

# Labels of the fields the domain names (the last part of a path): (Chinese, English).
FIELDS: dict[str, tuple[str, str]] = {
    "title": ("标题", "title"),
    "description": ("描述", "description"),
    "answer": ("答复", "answer"),
    "order_type": ("业务类型", "kind of request"),
    "subtype": ("子类", "sub-type"),
    "area_class": ("区域类别", "area class"),
    "department_id": ("部门", "department"),
    "district_id": ("供电区域", "district"),
    "name": ("姓名", "name"),
    "phone": ("电话", "phone"),
    "phone_last4": ("电话后四位", "last four digits of the phone"),
    "address": ("地址", "address"),
    "account": ("户号", "account number"),
    "account_number": ("户号", "account number"),
    "matter": ("诉求", "matter"),
    "channel": ("渠道", "channel"),
    "episode_id": ("节目", "episode"),
    "matters": ("诉求", "matters"),
    "customer": ("来电人", "caller"),
    "id": ("编号", "number"),
    "note": ("说明", "note"),
    "result": ("处理结果", "result"),
    "crew": ("抢修班组", "crew"),
    "version": ("版本", "version"),
    "reply_method": ("答复方式", "reply method"),
    "outcome": ("回访结果", "outcome"),
    "at": ("时间", "time"),
    "when": ("时间", "time"),
    "username": ("用户名", "username"),
    "password": ("密码", "password"),
    "full_name": ("姓名", "full name"),
    "role": ("角色", "role"),
    "code": ("代码", "code"),
    "kind": ("类型", "kind"),
    "amount": ("金额", "amount"),
    "reference": ("凭证号", "reference"),
    "period": ("月份", "month"),
    "reason": ("原因", "reason"),
    "effective_from": ("执行日期", "in force from"),
    "file": ("文件", "file"),
    "air_date": ("播出日期", "air date"),
    "staff_id": ("员工", "staff member"),
    "q": ("查找内容", "search"),
    "limit": ("条数", "how many"),
    "active": ("启用状态", "active"),
    "source": ("依据", "source"),
    "paid_at": ("缴费时间", "paid at"),
    "installed_on": ("安装日期", "installed on"),
    "read_on": ("抄表日期", "read on"),
    "total": ("示数", "reading"),
    "unit": ("单位", "unit"),
    "amount_value": ("时限", "time limit"),
    "number": ("户号", "account number"),
    "format": ("格式", "format"),
    "start": ("开始日期", "start"),
    "end": ("结束日期", "end"),
    "year": ("年份", "year"),
    "flat_price": ("单一电价", "flat price"),
    "tier1_limit": ("一档上限", "tier 1 limit"),
    "tier2_limit": ("二档上限", "tier 2 limit"),
    "tier2_surcharge": ("二档加价", "tier 2 surcharge"),
    "tier3_surcharge": ("三档加价", "tier 3 surcharge"),
    "peak_price": ("峰段电价", "peak price"),
    "valley_price": ("谷段电价", "valley price"),
    "effective_to": ("执行截止日期", "in force until"),
    "leader": ("值班领导", "leader on duty"),
    "specialists": ("值班专家", "specialists on duty"),
    "roster": ("值班表", "roster"),
    "priority": ("优先级", "priority"),
    "tier_mode": ("阶梯方式", "tiers"),
    "new_meter": ("新电表", "new meter"),
    "household": ("住户", "household"),
    "shared_meter": ("合表电表", "shared meter"),
    "initial_reading": ("装表示数", "installation reading"),
    "shared_meter_reading": ("合表示数", "shared meter reading"),
    "customer_id": ("客户", "customer"),
    "reading_id": ("示数", "reading"),
    "follow_up": ("回访", "follow-up"),
    # the columns of record files (records/imports.py and its importers)
    "row": ("整行", "the row"),
    "meter": ("电表", "meter"),
    "peak": ("峰示数", "peak reading"),
    "valley": ("谷示数", "valley reading"),
    "rolled_over": ("示数翻转", "rolled over"),
    "district": ("供电区域", "district"),
    "tariff": ("电价", "tariff"),
    "opened_on": ("开户日期", "opened on"),
    "id_number": ("身份证号", "ID number"),
    "category": ("用户类别", "category"),
    "multiplier": ("倍率", "multiplier"),
    "digits": ("示数位数", "register digits"),
    "tou": ("分时计量", "time of use"),
    "initial": ("装表示数", "installation reading"),
    "initial_peak": ("装表峰示数", "installation peak reading"),
    "initial_valley": ("装表谷示数", "installation valley reading"),
    "serves": ("服务的住户", "households served"),
    "feeder": ("线路", "feeder"),
    "transformer": ("台区", "transformer area"),
    "latitude": ("纬度", "latitude"),
    "longitude": ("经度", "longitude"),
    "feeders": ("线路", "feeders"),
    "transformers": ("台区", "transformer areas"),
    "expected_restoration_at": ("预计复电时间", "expected restoration"),
    "cause": ("停电原因", "cause"),
    # crews
    "crew_id": ("抢修班组", "crew"),
    "plate": ("车牌号", "number plate"),
    "reported_at": ("上报时间", "reported at"),
    "starts_at": ("开始时间", "starts at"),
    "ends_at": ("结束时间", "ends at"),
    "shift_id": ("班次", "shift"),
    "vehicle_id": ("车辆", "vehicle"),
    "is_leader": ("班长", "crew leader"),
    "status": ("状态", "status"),
    # crew jobs
    "step": ("步骤", "step"),
    "job_id": ("抢修任务", "crew job"),
    "dispatch_to_crew": ("自动派给值班班组", "dispatch to the crew on duty"),
    # webhook endpoints
    "url": ("推送地址", "address"),
    "kinds": ("推送的消息类型", "kinds of message"),
}

# A record file's columns whose word differs from the same name on a form: a reading's source
# is where the figure came from (read or estimated), not a rule's legal basis (依据).
COLUMNS: dict[str, tuple[str, str]] = {
    "source": ("示数来源", "source of the reading"),
    "kind": ("抄表类型", "kind of reading"),
    "total": ("总示数", "total reading"),
}

# A list's item, by the list's name: "第{n}项…" / "… {n}" (n counted from 1).
_ITEMS: dict[str, tuple[str, str]] = {
    "matters": ("事项{n}", "matter {n}"),  # as the desk heads it (事项 1)
    "limits": ("第{n}项时限", "limit {n}"),
}

_PATH = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def field_label(path: str, lang: str) -> str:
    """A field's path as its reader calls it: matters[0].title → 事项1的标题 / title of
    matter 1; a field nobody named keeps its name."""
    en = lang == "en"
    parts: list[str] = []
    # The desk's inputs (m0_title, caller_phone) when a form's raw value was refused.
    path = re.sub(r"^m(\d+)_", r"matters[\1].", re.sub(r"^caller_", "customer.", path))
    for name, index in _PATH.findall(path):
        if index and parts and parts[-1] in _ITEMS:
            zh_item, en_item = _ITEMS[parts.pop()]
            parts.append((en_item if en else zh_item).format(n=int(index) + 1))
        elif name:
            parts.append(name if name in _ITEMS else _field_word(name, en))
    parts = [_field_word(p, en) if p in _ITEMS else p for p in parts]
    if not parts:
        return path
    return " of ".join(reversed(parts)) if en else "的".join(parts)


def column_label(column: str, lang: str) -> str:
    """A record file's column (or a field a message names) as its reader calls it."""
    words = COLUMNS.get(column)
    if words is None:
        return field_label(column, lang)
    return words[1 if lang == "en" else 0]


_FOLLOW_UP = re.compile(r"follow_up_(\w+)")


def _field_word(name: str, en: bool) -> str:
    words = FIELDS.get(name)
    if words is not None:
        return words[1 if en else 0]
    # A policy's follow-up per kind of order (follow_up_complaint): 投诉的回访.
    kind = _FOLLOW_UP.fullmatch(name)
    if kind is not None and kind.group(1) in labels.KINDS:
        said = labels.text(labels.KINDS, kind.group(1), "en" if en else "zh")
        return f"follow-up of {said}" if en else f"{said}的回访"
    return name


def pydantic_text(kind: str, context: Mapping[str, Any], english: str, lang: str) -> str:
    """What pydantic refused, in the reader's language, from its error type and context;
    a validator's own message (a ValueError, a custom error) is read through the catalogue."""
    if kind == "value_error" and "error" in context:
        return said(str(context["error"]), lang)
    if kind in ("string_too_short", "too_short") and context.get("min_length") == 1:
        kind = "missing"  # an empty field is one not filled in
    if kind in PYDANTIC:
        zh, en = PYDANTIC[kind]
        text = en if lang == "en" else zh
        for key, value in context.items():
            text = text.replace("{" + key + "}", str(value))
        return text
    return said(english, lang)


def said(message: str, lang: str) -> str:
    """A message in the reader's language: English as it was raised, Chinese from the
    catalogue (the English when the catalogue has none — the catalogue's test prevents that)."""
    if lang == "en":
        return message
    return chinese(message) or message


_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.DOTALL)


def split_field(message: str, field: str | None) -> tuple[str | None, str]:
    """A message "field: what is wrong" as its field and the rest; other messages whole."""
    found = _PREFIX.match(message)
    if found is None:
        return None, message
    prefix = found.group(1)
    names = {n for n, _ in _PATH.findall(prefix) if n}
    if prefix == field or names <= FIELDS.keys() | _ITEMS.keys():
        return prefix, found.group(2)
    return None, message
