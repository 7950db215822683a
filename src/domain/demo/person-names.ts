/**
 * Fictional Chinese personal names for demo staff and petitioners: a common surname and a one- or
 * two-character given name, drawn from the seeded Rng. Any likeness to a real person is chance.
 */
import type { Rng } from './prng.js';

// Common surnames, the most frequent listed twice so they come up about as often as in life;
// 俞, 楼, 应, 章, 裘 give the Zhejiang flavour of the reports.
const SURNAMES = [
  '王', '王', '李', '李', '张', '张', '刘', '陈', '陈', '杨', '黄', '赵', '吴', '周', '徐', '徐', '孙', '马', '朱',
  '胡', '郭', '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾', '肖',
  '田', '董', '袁', '潘', '蒋', '蔡', '余', '杜', '叶', '程', '苏', '魏', '吕', '丁', '沈', '沈', '姚', '卢', '姜',
  '钟', '陆', '汪', '范', '金', '金', '方', '邵', '钱', '严', '戴', '孔', '汤', '俞', '楼', '应', '章', '裘', '施',
] as const;

const GIVEN_MALE = [
  '伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '宁', '建',
  '国', '林', '峰', '海', '东', '文', '志', '宏', '俊', '浩', '永', '德', '荣', '庆', '新', '立', '忠', '学', '振', '宇',
] as const;

const GIVEN_FEMALE = [
  '芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '燕', '玲', '萍', '红', '梅', '琳', '雪', '婷', '慧', '颖', '倩', '洁',
  '兰', '琴', '云', '莉', '秀', '英', '佳', '欣', '怡', '雯', '蓉', '晓', '丹', '月', '珍', '凤', '美', '春', '秋', '桂',
] as const;

export type DemoGender = 'male' | 'female';

/** Given an Rng and a gender, returns a fictional Chinese name of two or three characters. */
export function fictionalName(rng: Rng, gender: DemoGender): string {
  const pool = gender === 'male' ? GIVEN_MALE : GIVEN_FEMALE;
  const given = rng.chance(0.65) ? rng.pick(pool) + rng.pick(pool) : rng.pick(pool);
  return rng.pick(SURNAMES) + given;
}
