/**
 * Importing units from a CSV or JSON file: all or nothing; when the server refuses (400
 * IMPORT_INVALID) the rows it names are listed with what is wrong in each.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Table, Typography, Upload } from 'antd';
import { InboxOutlined } from '@ant-design/icons';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { adminApi, type ImportRowProblem } from '../admin-api';
import { useFailure } from '../../api/use-failure';

const s = t.admin.import;
const f = t.admin.fmt;

interface Refusal {
  summary: string;
  rows: ImportRowProblem[];
  badRowCount: number;
  rowCount: number;
}

/** Given one row error, returns it in words: the field, what is wrong, and the detail that helps. */
function describeProblem(e: ImportRowProblem['errors'][number]): string {
  const field = s.fields[e.field] ?? e.field;
  if (e.reason === 'unknown_field') return f.labelled(s.reasons.unknown_field!, e.field);
  const text = f.labelled(field, s.reasons[e.reason] ?? e.reason);
  if (e.reason === 'duplicate_in_file' && typeof e.firstRow === 'number') return f.aside(text, s.line(e.firstRow));
  if (e.reason === 'not_allowed_under_parent' && typeof e.kind === 'string' && typeof e.parentKind === 'string') {
    return f.aside(text, `${t.admin.kinds[e.kind] ?? e.kind} ← ${t.admin.kinds[e.parentKind] ?? e.parentKind}`);
  }
  return text;
}

/** Given a refused import, returns what to show: the file-level reason, and the bad rows. */
function refusalOf(err: ApiError): Refusal {
  const d = err.details;
  const reason = typeof d.reason === 'string' ? d.reason : '';
  let summary = s.fileReasons[reason] ?? err.message;
  if (reason === 'bad_header') {
    const missing = Array.isArray(d.missing) ? d.missing.join(', ') : '';
    const unknown = Array.isArray(d.unknown) ? d.unknown.join(', ') : '';
    summary = f.clauses([summary, missing && s.headerMissing(missing), unknown && s.headerUnknown(unknown)].filter((x): x is string => !!x));
  }
  if (reason === 'csv_malformed' && typeof d.line === 'number') summary = f.aside(summary, s.line(d.line));
  const rows = Array.isArray(d.rows) ? (d.rows as ImportRowProblem[]) : [];
  return { summary, rows, badRowCount: typeof d.badRowCount === 'number' ? d.badRowCount : rows.length, rowCount: typeof d.rowCount === 'number' ? d.rowCount : 0 };
}

const sizeText = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export function ImportPanel({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { message } = App.useApp();
  const fail = useFailure();

  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setRefusal(null);
    setDone(null);
    try {
      const text = await file.text();
      let body: string | { units: unknown[] };
      if (/\.json$/i.test(file.name) || /^\s*[{[]/.test(text)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          setRefusal({ summary: s.notJson, rows: [], badRowCount: 0, rowCount: 0 });
          return;
        }
        body = Array.isArray(parsed) ? { units: parsed } : (parsed as { units: unknown[] });
      } else body = text;
      const res = await adminApi.importUnits(body);
      const byKind = f.counts(Object.entries(res.byKind).map(([k, n]) => `${t.admin.kinds[k] ?? k} ${n}`));
      setDone(byKind ? f.aside(s.done(res.created), byKind) : s.done(res.created));
      message.success(s.done(res.created));
      setFile(null);
      onImported();
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'IMPORT_INVALID' || err.code === 'VALIDATION_FAILED')) setRefusal(refusalOf(err));
      else fail(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={s.title} size="small">
      <Typography.Paragraph style={{ marginBottom: 8 }}>{s.intro}</Typography.Paragraph>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 12 }}>
        {s.csvFormat}
        <br />
        {s.jsonFormat}
        <br />
        {s.kindsHint}
      </Typography.Paragraph>
      <Upload.Dragger
        accept=".csv,.json,text/csv,application/json"
        multiple={false}
        showUploadList={false}
        beforeUpload={(f) => {
          setFile(f);
          setRefusal(null);
          setDone(null);
          return false;
        }}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{file ? s.chosen(file.name, sizeText(file.size)) : s.drop}</p>
        <p className="ant-upload-hint">{s.dropHint}</p>
      </Upload.Dragger>
      <Button type="primary" onClick={submit} disabled={!file} loading={busy} style={{ marginTop: 12 }}>
        {s.submit}
      </Button>
      {done && <Alert type="success" showIcon title={done} style={{ marginTop: 12 }} />}
      {refusal && (
        <div style={{ marginTop: 12 }} data-testid="import-errors">
          <Alert
            type="error"
            showIcon
            title={s.failed}
            description={refusal.rows.length ? s.badRows(refusal.badRowCount, refusal.rowCount) : refusal.summary}
          />
          {refusal.rows.length > 0 && (
            <Table<ImportRowProblem>
              size="small"
              rowKey={(r) => `${r.row}-${r.code ?? ''}`}
              dataSource={refusal.rows}
              pagination={refusal.rows.length > 10 ? { pageSize: 10, showSizeChanger: false } : false}
              style={{ marginTop: 8 }}
              columns={[
                { title: s.row, dataIndex: 'row', width: 70 },
                { title: s.code, dataIndex: 'code', width: 160, render: (c: string | null) => c ?? '—' },
                {
                  title: s.problems,
                  key: 'errors',
                  render: (_, r) => (
                    <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                      {r.errors.map((e, i) => (
                        <li key={i}>{describeProblem(e)}</li>
                      ))}
                    </ul>
                  ),
                },
              ]}
            />
          )}
        </div>
      )}
    </Card>
  );
}
