/**
 * /staff/bulk: 批量导入导出. Registrars and dispatchers upload a 12345 / legacy sheet, check it first
 * (the rejected rows in a table, the report to download and fix the sheet by), then import it whole;
 * supervisors, leaders and unit heads export the cases or events of a unit in their scope for a period.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, DatePicker, Form, Input, Radio, Result, Select, Space, Table, Typography, Upload } from 'antd';
import { DownloadOutlined, FileExcelOutlined, InboxOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { Link } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { hasAnyRole, useMe } from '../session';
import { useUnits } from '../reference';
import { ApiError } from '../../api/client';
import { EXPORT_ROLES, IMPORT_ROLES, MAX_EXPORT_DAYS, bulkApi, rejectionOf, type ImportRejection, type ImportResult } from './bulk-api';

const b = t.bulk;

export function BulkPage() {
  const me = useMe();
  const canImport = hasAnyRole(me, IMPORT_ROLES);
  const canExport = hasAnyRole(me, EXPORT_ROLES);
  useEffect(() => {
    document.title = `${b.title} - ${t.common.appName}`;
  }, []);
  if (!canImport && !canExport) return <Result status="403" title={b.noAccess} extra={<Link to="/staff">{t.staff.case.backToQueues}</Link>} />;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {b.title}
      </Typography.Title>
      {canImport && <ImportCard />}
      {canExport && <ExportCard />}
    </Space>
  );
}

const sizeText = (n: number) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

function ImportCard() {
  const s = b.import;
  const fail = useFailure();
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('12345');
  const [busy, setBusy] = useState<'check' | 'import' | null>(null);
  const [checked, setChecked] = useState<ImportResult | null>(null);
  const [rejection, setRejection] = useState<ImportRejection | null>(null);
  const [done, setDone] = useState<ImportResult | null>(null);

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(dryRun ? 'check' : 'import');
    setRejection(null);
    setChecked(null);
    setDone(null);
    try {
      const res = await bulkApi.importCases(file, source, dryRun);
      if (dryRun) setChecked(res);
      else {
        setDone(res);
        setFile(null);
      }
    } catch (err) {
      const r = rejectionOf(err);
      if (r) setRejection(r);
      else fail(err);
    } finally {
      setBusy(null);
    }
  };

  const report = (format: 'xlsx' | 'csv') => file && bulkApi.downloadReport(file, source, format).catch(fail);

  return (
    <Card title={s.title} size="small" data-testid="bulk-import">
      <Typography.Paragraph>{s.intro}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Button icon={<FileExcelOutlined />} href={bulkApi.templateUrl('xlsx')} download>
          {s.templateXlsx}
        </Button>
        <Button icon={<DownloadOutlined />} href={bulkApi.templateUrl('csv')} download>
          {s.templateCsv}
        </Button>
      </Space>
      <Form layout="inline" style={{ marginBottom: 12 }}>
        <Form.Item label={s.source} tooltip={s.sourceHint}>
          <Input value={source} onChange={(e) => setSource(e.target.value)} maxLength={32} style={{ width: 160 }} data-testid="bulk-source" />
        </Form.Item>
      </Form>
      <Upload.Dragger
        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        multiple={false}
        showUploadList={false}
        beforeUpload={(f) => {
          setFile(f);
          setRejection(null);
          setChecked(null);
          setDone(null);
          return false;
        }}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text" data-testid="bulk-chosen">
          {file ? s.chosen(file.name, sizeText(file.size)) : s.drop}
        </p>
        <p className="ant-upload-hint">{s.dropHint}</p>
      </Upload.Dragger>
      <Space style={{ marginTop: 12 }}>
        <Button onClick={() => run(true)} disabled={!file || busy !== null} loading={busy === 'check'} data-testid="bulk-check">
          {s.check}
        </Button>
        <Button type="primary" onClick={() => run(false)} disabled={!file || !checked || busy !== null} loading={busy === 'import'} data-testid="bulk-submit">
          {s.submit}
        </Button>
      </Space>
      {checked && <Alert type="success" showIcon title={s.passed(checked.accepted)} style={{ marginTop: 12 }} data-testid="bulk-passed" />}
      {rejection && (
        <div style={{ marginTop: 12 }} data-testid="bulk-rejected">
          <Alert
            type="error"
            showIcon
            title={s.rejected}
            description={(rejection.duringWrite ? s.duringWrite : '') + s.rejectedSummary(rejection.rejectedRowCount, rejection.rowCount, rejection.accepted) + (rejection.note ? ` ${rejection.note}` : '')}
            action={
              <Space orientation="vertical">
                <Button size="small" icon={<FileExcelOutlined />} onClick={() => report('xlsx')} disabled={!file} data-testid="bulk-report-xlsx">
                  {s.reportXlsx}
                </Button>
                <Button size="small" icon={<DownloadOutlined />} onClick={() => report('csv')} disabled={!file}>
                  {s.reportCsv}
                </Button>
              </Space>
            }
          />
          <Table
            size="small"
            style={{ marginTop: 8 }}
            rowKey={(p) => `${p.row}-${p.column}-${p.reason}`}
            dataSource={rejection.rejected}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: s.columns.row, dataIndex: 'row', width: 80 },
              { title: s.columns.column, dataIndex: 'column', width: 140 },
              { title: s.columns.message, dataIndex: 'message' },
            ]}
          />
        </div>
      )}
      {done && (
        <div style={{ marginTop: 12 }} data-testid="bulk-done">
          <Alert type="success" showIcon title={s.done(done.created.length)} />
          <Table
            size="small"
            style={{ marginTop: 8 }}
            rowKey="id"
            dataSource={done.created}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: s.columns.row, dataIndex: 'row', width: 80 },
              { title: s.columns.number, dataIndex: 'number', render: (n: string, c) => <Link to={`/staff/cases/${c.id}`}>{n}</Link> },
            ]}
          />
        </div>
      )}
    </Card>
  );
}

function ExportCard() {
  const s = b.export;
  const me = useMe();
  const units = useUnits();
  const [unitId, setUnitId] = useState<string>(me.scopeUnitId);
  const [period, setPeriod] = useState<[Dayjs, Dayjs] | null>(null);
  const [format, setFormat] = useState<'csv' | 'xlsx' | 'jsonl'>('xlsx');
  const [kind, setKind] = useState<'cases' | 'events'>('cases');
  const options = useMemo(() => {
    const scope = units?.find((u) => u.id === me.scopeUnitId);
    if (!units || !scope) return [];
    return units
      .filter((u) => u.path.startsWith(scope.path) && u.kind !== 'micro_grid')
      .sort((x, y) => x.depth - y.depth || x.name.localeCompare(y.name, 'zh'))
      .map((u) => ({ value: u.id, label: u.name }));
  }, [units, me.scopeUnitId]);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: true; text: string } | { ok: false; text: string } | null>(null);
  const fail = useFailure();
  // the server refuses more than 366 days: the picker does not offer them
  const disabledDate = (d: Dayjs, info: { from?: Dayjs }) => !!info.from && Math.abs(d.startOf('day').diff(info.from.startOf('day'), 'day')) >= MAX_EXPORT_DAYS;
  const download = async () => {
    if (!period) return;
    setBusy(true);
    setOutcome(null);
    try {
      const got = await bulkApi.downloadExport({ kind, unitId, from: period[0].format('YYYY-MM-DD'), to: period[1].format('YYYY-MM-DD'), format });
      setOutcome({ ok: true, text: s.done(got.rows, got.fileName) });
    } catch (err) {
      // an expired session goes to the login; any other refusal is shown here, in the server's words
      if (err instanceof ApiError && err.status !== 401) setOutcome({ ok: false, text: err.message });
      else if (err instanceof ApiError) fail(err);
      else setOutcome({ ok: false, text: t.common.networkError });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={s.title} size="small" data-testid="bulk-export">
      <Typography.Paragraph>{s.intro}</Typography.Paragraph>
      <Form layout="vertical" style={{ maxWidth: 560 }}>
        <Form.Item label={s.unit}>
          <Select showSearch optionFilterProp="label" value={unitId} onChange={setUnitId} options={options} data-testid="bulk-export-unit" />
        </Form.Item>
        <Form.Item label={s.period} extra={s.periodHint}>
          <DatePicker.RangePicker value={period} disabledDate={disabledDate} onChange={(v) => setPeriod(v && v[0] && v[1] ? [v[0], v[1]] : null)} data-testid="bulk-export-period" />
        </Form.Item>
        <Form.Item label={s.what}>
          <Radio.Group value={kind} onChange={(e) => setKind(e.target.value)} optionType="button">
            <Radio value="cases">{s.cases}</Radio>
            <Radio value="events">{s.events}</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item label={s.format}>
          <Radio.Group value={format} onChange={(e) => setFormat(e.target.value)} optionType="button">
            <Radio value="xlsx">Excel</Radio>
            <Radio value="csv">CSV</Radio>
            <Radio value="jsonl">JSONL</Radio>
          </Radio.Group>
        </Form.Item>
        <Button type="primary" icon={<DownloadOutlined />} onClick={download} loading={busy} disabled={!period} title={period ? undefined : s.needPeriod} data-testid="bulk-export-download">
          {busy ? s.downloading : s.download}
        </Button>
        {outcome && (
          <Alert style={{ marginTop: 16 }} type={outcome.ok ? 'success' : 'error'} showIcon title={outcome.ok ? outcome.text : s.failed} description={outcome.ok ? undefined : outcome.text} data-testid={outcome.ok ? 'bulk-export-done' : 'bulk-export-error'} />
        )}
      </Form>
    </Card>
  );
}
