/**
 * Every user-facing zh-CN string of the server, in one place so another locale can follow.
 */
import type { ErrorCode } from '../domain/errors.js';

export const errorMessages: Record<ErrorCode, string> = {
  VALIDATION_FAILED: '提交的内容有误，请检查标出的字段',
  BAD_JSON: '请求内容不是合法的 JSON',
  PAYLOAD_TOO_LARGE: '提交的内容过大',
  UNSUPPORTED_MEDIA_TYPE: '不支持的内容类型',
  ATTACHMENT_TYPE_REJECTED: '附件类型不被接受，仅支持 JPG、PNG、GIF、WebP、PDF、MP3、M4A、WAV 文件',
  ATTACHMENT_TOO_LARGE: '附件超过大小限制',
  ID_NUMBER_INVALID: '身份证号码无效，请核对',
  PHONE_INVALID: '联系电话无效，请核对',
  AUTH_REQUIRED: '请先登录',
  AUTH_FAILED: '用户名或密码错误',
  SESSION_INVALID: '登录已失效，请重新登录',
  FORBIDDEN: '无权进行此操作',
  ROLE_NOT_ALLOWED: '您的角色或所在单位不能对该件进行此操作',
  NOT_FOUND: '未找到请求的资源',
  CASE_NOT_FOUND: '未找到该信访件',
  QUERY_CODE_MISMATCH: '件号或查询码不正确',
  CASE_ILLEGAL_TRANSITION: '该件当前状态下不能进行此操作',
  CASE_CONCURRENT_UPDATE: '该件刚被他人修改，请刷新后重试',
  DEADLINE_WINDOW_CLOSED: '已超过法定期限，不能再进行此操作',
  DEADLINE_EXTENSION_USED: '办理期限只能延长一次',
  DEADLINE_EXTENSION_TOO_LONG: '延长期限超过规定上限',
  DEADLINE_UNKNOWN_RULES: '未知的期限规则集',
  DEADLINE_UNKNOWN_STEP: '规则集中没有这一环节',
  UNIT_NOT_FOUND: '未找到该单位',
  UNIT_INVALID_PARENT: '上级单位不合法',
  UNIT_HAS_ACTIVE_CHILDREN: '该单位仍有在用的下级单位或人员',
  UNIT_HAS_OPEN_CASES: '该单位仍是在办信访件的主办单位，请先改派后再停用',
  USER_NOT_FOUND: '未找到该用户',
  USER_EXISTS: '用户名已存在',
  CATEGORY_NOT_FOUND: '未找到该分类',
  CATEGORY_INVALID: '分类设置不合法',
  PETITIONER_REQUIRED: '至少需要一名信访人',
  REPRESENTATIVES_TOO_MANY: '集体访最多推选 5 名代表',
  ACCUSATION_CONFLICT: '检举控告件不得交由被检举控告的单位办理',
  IDEMPOTENCY_CONFLICT: '同一幂等键已用于内容不同的提交',
  IMPORT_INVALID: '导入文件有误',
  RATE_LIMITED: '请求过于频繁，请稍后再试',
  DB_UNAVAILABLE: '服务暂时不可用，请稍后重试',
  INTERNAL: '服务器内部错误',
};

export const cli = {
  serverStarted: 'xinfang 已启动',
  demoAccounts: '演示账号（密码相同）',
  auditOk: '审计链完整：所有事件与封签核验通过',
  auditBroken: '审计链被破坏',
};
