/**
 * The demo district's category questions (补充问题): a few a real 12345 centre asks, so the portal,
 * the intake page and Open311's service definitions show them from the first start. Admins change
 * them in 问题分类; a deployment without the demo starts with none.
 */
import type { CategoryQuestion } from '../categories/answers.js';

export const DEMO_CATEGORY_QUESTIONS: readonly CategoryQuestion[] = [
  {
    categoryCode: '0101',
    code: 'estate_name',
    sort: 0,
    datatype: 'string',
    required: true,
    label: '小区名称',
    hint: '如 梅园小区；没有小区名可填楼栋地址',
    options: [],
  },
  {
    categoryCode: '010602',
    code: 'lamp_no',
    sort: 0,
    datatype: 'string',
    required: true,
    label: '灯杆编号',
    hint: '灯杆上喷涂的编号，如 LD-0231；看不清可填附近门牌号',
    options: [],
  },
  {
    categoryCode: '010602',
    code: 'lamp_damage',
    sort: 1,
    datatype: 'singlevaluelist',
    required: false,
    label: '损坏情况',
    hint: null,
    options: [
      { key: 'dark', name: '灯不亮' },
      { key: 'flicker', name: '忽明忽暗' },
      { key: 'day_on', name: '白天常亮' },
      { key: 'pole', name: '灯杆倾斜或破损' },
      { key: 'wire', name: '电线外露' },
    ],
  },
  {
    categoryCode: '050301',
    code: 'road_area',
    sort: 0,
    datatype: 'number',
    required: false,
    label: '破损面积（平方米，估计即可）',
    hint: null,
    options: [],
  },
  {
    categoryCode: '0703',
    code: 'noise_periods',
    sort: 0,
    datatype: 'multivaluelist',
    required: true,
    label: '发生时段',
    hint: '可多选',
    options: [
      { key: 'morning', name: '清晨（6时前）' },
      { key: 'day', name: '白天' },
      { key: 'evening', name: '傍晚' },
      { key: 'night', name: '夜间（22时后）' },
    ],
  },
  {
    categoryCode: '0703',
    code: 'noise_since',
    sort: 1,
    datatype: 'datetime',
    required: false,
    label: '最近一次发生时间',
    hint: null,
    options: [],
  },
];
