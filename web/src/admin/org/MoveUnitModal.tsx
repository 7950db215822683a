/** Moving a unit (with its subtree) under another parent the ladder allows. */
import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Form, Modal, TreeSelect } from 'antd';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUnit } from '../admin-api';
import { parentKindsOf, unitOptions, type UnitNode } from '../org-tree';
import { useFailure } from '../../api/use-failure';

const s = t.admin.org;

export function MoveUnitModal({ unit, roots, onClose, onMoved }: { unit: AdminUnit | null; roots: UnitNode[]; onClose: () => void; onMoved: (unit: AdminUnit) => void }) {
  const [form] = Form.useForm<{ parentId: string }>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();

  useEffect(() => {
    if (unit) form.resetFields();
  }, [unit, form]);

  const options = useMemo(() => {
    if (!unit) return [];
    const kinds = parentKindsOf(unit.kind);
    return unitOptions(roots, (u) => u.active && kinds.includes(u.kind) && u.id !== unit.parentId && !u.path.startsWith(unit.path));
  }, [unit, roots]);

  const submit = async ({ parentId }: { parentId: string }) => {
    if (!unit) return;
    setBusy(true);
    try {
      const res = await adminApi.moveUnit(unit.id, parentId);
      message.success(s.moved(res.unitsMoved, res.casesUpdated));
      onMoved(res.unit);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open={!!unit} title={unit ? s.moveTitle(unit.name) : ''} onCancel={onClose} onOk={() => form.submit()} okText={t.admin.save} confirmLoading={busy} forceRender>
      <Alert type="info" showIcon title={s.moveHint} style={{ marginBottom: 16 }} />
      <Form form={form} name="move-unit" layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="parentId" label={s.moveTarget} rules={[{ required: true }]}>
          <TreeSelect treeData={options} showSearch treeNodeFilterProp="title" listHeight={360} placeholder={s.moveTarget} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
