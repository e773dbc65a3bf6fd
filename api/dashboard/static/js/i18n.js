// Chinese first, English on request. The domain's labels come from /dashboard/vocabulary.json as
// [Chinese, English] pairs; the page's own words are below.

const LANG_KEY = "petitionflow.lang";

const WORDS = {
  app_title: ["信访督办看板", "Petition supervision dashboard"],
  unit: ["单位", "Unit"],
  sign_out: ["退出", "Sign out"],
  sign_in: ["登录", "Sign in"],
  sign_in_title: ["使用访问令牌登录", "Sign in with your access token"],
  sign_in_hint: [
    "令牌由管理员通过 petitionflow users create 签发。令牌只保存在本浏览器中，不会出现在网址里。",
    "Your administrator issues tokens with petitionflow users create. The token stays in this browser and never appears in a URL.",
  ],
  token: ["访问令牌", "Access token"],
  remember: ["在此电脑上保持登录", "Keep me signed in on this computer"],
  token_invalid: ["令牌无效或已过期", "The token is invalid or has expired"],
  signing_in: ["正在登录…", "Signing in…"],
  session_expired: ["登录已失效，请重新登录", "Your session has ended; please sign in again"],
  live_on: ["实时更新", "Live"],
  live_connecting: ["正在连接…", "Connecting…"],
  live_off: ["实时更新已断开，正在重连", "Live updates lost, reconnecting"],
  kpi_open: ["在办案件", "Open cases"],
  kpi_at_risk: ["预警案件", "At risk"],
  kpi_overdue: ["超期案件", "Overdue"],
  kpi_on_time: ["按期办结率", "On-time rate"],
  kpi_satisfaction: ["满意率", "Satisfaction"],
  chart_levels: ["办结层级分布", "Resolved at level"],
  chart_weekly: ["每周受理与办结", "Weekly intake vs closures"],
  chart_ageing: ["在办案件时长分布", "Ageing of open cases"],
  intake: ["登记", "Intake"],
  replied: ["书面答复", "Replied"],
  closures: ["办结", "Closures"],
  period: ["统计区间", "Period"],
  period_30_days: ["近30天", "Last 30 days"],
  period_12_weeks: ["近12周", "Last 12 weeks"],
  period_year: ["今年", "This year"],
  days_range: ["{from}–{to}天", "{from}–{to} days"],
  days_or_more: ["{days}天以上", "{days}+ days"],
  week_of: ["{month}/{day}", "{day}/{month}"],
  of_cases: ["{detail} 件", "{detail} cases"],
  cases: ["件", "cases"],
  list_at_risk: ["预警案件", "At-risk cases"],
  list_overdue: ["超期案件", "Overdue cases"],
  list_alerts: ["未确认的提醒", "Unacknowledged alerts"],
  none: ["暂无", "None"],
  ack: ["确认", "Acknowledge"],
  acked: ["已确认提醒", "Alert acknowledged"],
  stats_unavailable: ["统计数据暂不可用", "Statistics are not available"],
  charts_unavailable: ["图表库未安装", "The chart library is not installed"],
  no_data: ["暂无数据", "No data yet"],
  title: ["事项", "Matter"],
  state: ["状态", "State"],
  level: ["层级", "Level"],
  next_due: ["最近期限", "Next due"],
  created: ["登记时间", "Registered"],
  back: ["← 返回看板", "← Back to the dashboard"],
  loading: ["加载中…", "Loading…"],
  load_failed: ["加载失败", "Could not load"],
  case_not_found: ["案件不存在或不在您的管辖范围内", "No such case in your scope"],
  snapshot: ["案件概况", "Case"],
  tracking_code: ["查询码", "Tracking code"],
  assignee: ["承办人", "Assignee"],
  petitioner: ["信访人", "Petitioner"],
  petitioners: ["信访人", "Petitioners"],
  headcount: ["来访 {count} 人", "{count} people came"],
  representative: ["代表", "Representative"],
  came_times: ["来访 {count} 次", "came {count} times"],
  linked_cases: ["关联案件", "Linked cases"],
  merged_cases: ["并入本案的重复件", "Duplicates merged in"],
  merged_into: ["已合并至", "Merged into"],
  petitioner_history: ["信访史", "History"],
  tracks: ["三到位一处理", "Handling tracks"],
  assessment: ["研判", "Assessment"],
  escalations: ["上报记录", "Escalations"],
  feedback: ["回访评价", "Feedback"],
  opinions: ["答复与意见", "Replies and opinions"],
  clock_ledger: ["时限台账", "Clock ledger"],
  event_timeline: ["办理过程", "Event timeline"],
  actions: ["可执行操作", "Actions"],
  no_actions: ["当前无可执行的操作", "No action is open to you now"],
  submit: ["提交", "Submit"],
  cancel: ["取消", "Cancel"],
  action_done: ["操作已完成", "Done"],
  action_conflict: ["无法执行「{action}」", "Cannot {action} now"],
  allowed_now: ["当前可执行：{list}", "Allowed now: {list}"],
  nothing_allowed: ["当前没有可执行的操作", "No action is allowed now"],
  invalid_params: ["请检查填写的内容", "Please check the form"],
  forbidden: ["您的角色不能执行此操作", "Your role may not take this action"],
  busy_retry: ["服务繁忙，请稍后重试（重试是安全的）", "The service is busy; retrying is safe"],
  failed: ["操作失败", "Failed"],
  case_changed: ["案件已被他人更新", "The case was changed by someone else"],
  started: ["起算", "Started"],
  due: ["届满", "Due"],
  warn: ["预警", "Warning"],
  now: ["现在", "Now"],
  paused: ["中止计时", "Paused"],
  extension: ["延期", "Extension"],
  extension_detail: ["延期 {days} 日（{reason}），原届满 {before}", "Extended {days} days ({reason}), was due {before}"],
  legend_running: ["计时", "Running"],
  legend_paused: ["中止", "Paused"],
  legend_extension: ["延期", "Extension"],
  legend_warn: ["预警线", "Warning mark"],
  legend_due: ["届满线", "Due mark"],
  scale_each: ["按各时限显示", "Scale each clock"],
  scale_shared: ["统一时间轴", "One time axis"],
  at_risk: ["预警", "At risk"],
  overdue: ["超期", "Overdue"],
  new_alert: ["新提醒", "New alert"],
  deliveries: ["送达", "Deliveries"],
  by: ["操作人", "By"],
  attachments: ["附件", "Attachments"],
  yes: ["是", "yes"],
  no: ["否", "no"],
  ended: ["结束", "Ended"],
  nav_overview: ["概览", "Overview"],
  nav_cases: ["案件列表", "Cases"],
  nav_register: ["登记", "Register"],
  // the case list
  list_title: ["案件列表", "Cases"],
  search: ["搜索", "Search"],
  search_placeholder: ["标题、内容、类别或查询码", "Title, text, category or tracking code"],
  filter_state: ["状态", "State"],
  filter_open: ["在办", "Open"],
  filter_level: ["层级", "Level"],
  filter_unit: ["单位（含下级）", "Unit (with those below)"],
  filter_overdue: ["仅超期", "Overdue only"],
  filter_at_risk: ["仅预警", "At risk only"],
  filter_category: ["事项类别", "Category"],
  filter_from: ["登记自", "Registered from"],
  filter_to: ["登记至", "Registered to"],
  any: ["全部", "Any"],
  apply: ["查询", "Apply"],
  reset: ["重置", "Reset"],
  next_page: ["下一页", "Next page"],
  previous_page: ["上一页", "Previous page"],
  page_n: ["第 {n} 页", "Page {n}"],
  export_xlsx: ["导出 Excel", "Export to Excel"],
  exporting: ["正在导出…", "Exporting…"],
  overdue_by: ["超期 {days} 天", "{days} days overdue"],
  overdue_column: ["超期", "Overdue"],
  due_was: ["届满 {at}", "was due {at}"],
  open_list: ["查看列表", "Open the list"],
  // registration
  register_title: ["登记信访事项", "Register a petition"],
  matter: ["信访事项", "The matter"],
  register_submit: ["登记", "Register"],
  registered_ok: ["已登记，查询码 {code}", "Registered; tracking code {code}"],
  repeat_linked: ["该信访人同一事项已有在办案件，已记为重复信访", "An open case of the same matter exists: recorded as a repeat petition"],
  registration_failed: ["未能登记，请检查填写的内容", "Not registered: please check the form"],
  received_hint: ["来信、来访当日之前收到的，填写收件日期；受理期限自该日起算", "For a letter or visit received before today: the acceptance period counts from that day"],
  // alerts grouped per case
  alerts_of_case: ["{count} 条提醒", "{count} alerts"],
  ack_all: ["全部确认", "Acknowledge all"],
  acked_n: ["已确认 {count} 条提醒", "{count} alerts acknowledged"],
  no_case: ["通知渠道", "Alert channels"],
  // the case page
  print: ["打印", "Print"],
  printed_at: ["打印时间 {at}", "Printed {at}"],
  // the petitioners' tracking page
  track_title: ["信访事项查询", "Track a petition"],
  track_heading: ["查询办理进度", "Where is my petition?"],
  track_hint: ["请输入登记时告知您的 16 位查询码。", "Enter the 16-character tracking code you were given at registration."],
  track_submit: ["查询", "Look up"],
  track_unit: ["办理单位", "Handled by"],
  track_registered: ["登记时间", "Registered"],
  track_updated: ["最近更新", "Last update"],
  track_paused: ["中止计时中（期限待恢复后重新计算）", "Paused (the due date is set again on resumption)"],
  // the tracking page's next step and online actions (one-time code by SMS)
  track_next: ["下一步", "What happens next"],
  track_next_due: ["期限", "By"],
  track_online: ["网上办理", "Online"],
  track_online_hint: [
    "评价或申请复查前，请先获取短信验证码（发送至登记时留的手机号码）。",
    "First get a one-time code by SMS (sent to the phone number given at registration).",
  ],
  track_get_code: ["获取验证码", "Text me a code"],
  track_code_sent: ["如登记时留有手机号码，验证码已发送，{minutes} 分钟内有效。", "If a phone number is on file, a code was texted to it; it is valid for {minutes} minutes."],
  track_otp: ["短信验证码", "One-time code"],
  track_rate: ["评价答复", "Rate the reply"],
  track_rating: ["评价", "Rating"],
  rating_satisfied: ["满意", "Satisfied"],
  rating_basically_satisfied: ["基本满意", "Basically satisfied"],
  rating_unsatisfied: ["不满意", "Unsatisfied"],
  track_note: ["意见（可不填）", "Comments (optional)"],
  track_send_rating: ["提交评价", "Send rating"],
  track_review: ["申请复查", "Ask for review"],
  track_re_review: ["申请复核", "Ask for re-review"],
  track_review_note: ["申请理由（可不填）", "Reasons (optional)"],
  track_send_review: ["提交申请", "Send request"],
  track_done: ["已提交。", "Sent."],
  track_no_online: ["当前没有可以网上办理的事项。", "Nothing can be done online at this stage."],
  // 网上送达: the documents delivered online, downloaded with the one-time code
  track_documents: ["网上送达的文书", "Documents delivered online"],
  track_documents_hint: [
    "下载前请先获取短信验证码并填入上方。",
    "Get a one-time code by SMS and enter it above to download.",
  ],
  track_delivered_on: ["送达日期", "Delivered on"],
  track_download: ["下载", "Download"],
  track_downloaded: ["已下载。", "Downloaded."],
  // 调解 and 预测预警 (issue 17)
  party_name: ["姓名/名称", "Name"],
  party_kind: ["个人或组织", "Person or organisation"],
  party_role: ["身份（如业主、物业公司）", "Role (e.g. resident, property company)"],
  add_party: ["增加当事人", "Add a party"],
  mediation: ["调解", "Mediation"],
  mediator: ["调解员/调解组织", "Mediator"],
  mediation_parties: ["当事人", "Parties"],
  mediation_sessions: ["调解记录", "Sessions"],
  mediation_outcome: ["调解结果", "Outcome"],
  mediation_ongoing: ["调解中", "In progress"],
  mediation_terms: ["调解协议书", "Agreement"],
  mediation_referral: ["导向法定途径", "Referred to"],
  risk_panel: ["风险预警", "Risk early warning"],
  risk_cases: ["相关案件", "Cases"],
  // 交办/会办 on the case page
  hand_overs: ["交办与会办", "Hand-overs"],
  hand_over_n: ["第 {n} 次交办", "Hand-over {n}"],
  handing_unit: ["交办单位", "Handed by"],
  lead_unit: ["主办单位", "Lead unit"],
  co_unit: ["会办单位", "Co-handler"],
  instructions: ["交办要求", "Instructions"],
  task_due: ["办理时限", "Deadline"],
  report: ["会办情况", "Report"],
  task_open: ["办理中", "Open"],
  task_reported: ["已报送", "Reported"],
  task_late: ["已超期", "Late"],
  hand_over_open: ["交办中", "Open"],
  hand_over_done: ["已办结", "Done"],
  hand_over_taken_back: ["已收回", "Taken back"],
  hand_over_ended: ["已结束", "Ended"],
  // the command system: 积案 workbench, 督办单, 领导包案
  nav_backlog: ["积案", "Backlog"],
  backlog_title: ["积案工作台", "Backlog workbench"],
  backlog_tab: ["积案", "Backlog"],
  orders_tab: ["有督办单的在办案件", "Open cases under supervision orders"],
  leader: ["包案领导", "Leader"],
  plan: ["化解方案", "Plan"],
  target_date: ["目标日期", "Target date"],
  open_orders: ["未答复督办单", "Open orders"],
  days_overdue: ["超期天数", "Days overdue"],
  days_n: ["{days} 天", "{days} days"],
  command_card: ["督办单与包案", "Supervision orders and leader"],
  no_leader: ["未包案", "No leader named"],
  no_orders: ["无督办单", "No supervision orders"],
  order_open: ["待答复", "Awaiting answer"],
  order_answered: ["已答复", "Answered"],
  order_late: ["逾期答复", "Answered late"],
  order_automatic: ["自动督办", "Automatic"],
  order_due: ["答复期限 {at}", "answer due {at}"],
  issued_by_unit: ["督办单位", "Issued by"],
};

let current = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";

export function lang() {
  return current;
}

export function setLang(value) {
  current = value === "en" ? "en" : "zh";
  localStorage.setItem(LANG_KEY, current);
  document.documentElement.lang = current === "en" ? "en" : "zh-CN";
}

/** A [Chinese, English] pair in the current language; a plain string as it is. */
export function pick(pair, fallback = "") {
  if (Array.isArray(pair)) return current === "en" ? pair[1] : pair[0];
  return typeof pair === "string" ? pair : fallback;
}

/** A table's own entry, or undefined: free text such as a note "constructor" or "__proto__"
 * must not find what every object inherits. */
export function own(table, key) {
  return table != null && typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The page's own words, with {name} placeholders filled in. */
export function t(key, values = {}) {
  const text = pick(WORDS[key], key);
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export function locale() {
  return current === "en" ? "en-GB" : "zh-CN";
}

/** Elements marked data-i18n in the static shell follow the language too. */
export function translateShell(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = `${t(document.body.classList.contains("tracking") ? "track_title" : "app_title")} · petitionflow`;
}
