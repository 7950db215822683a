import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Segmented, Skeleton, Typography } from 'antd';
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { usePageTitle } from '../use-page-title';
import { receptionApi, type BookingReceipt, type PublicRota, type PublicSlot } from './reception-api';
import { SlotList } from './SlotList';
import { BookingForm, type BookingDraft } from './BookingForm';
import { BookingDone } from './BookingDone';
import { BookingLookup } from './BookingLookup';
import './reception.css';

const m = t.reception.citizen;

/** Given a month 'YYYY-MM' and a step, returns the month that many months later. */
function addMonths(month: string, step: number): string {
  const [y, mo] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (mo - 1) + step;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** How far ahead a citizen may page: the rota is published a month or so in advance. */
const MONTHS_AHEAD = 2;

type View = { kind: 'list' } | { kind: 'form'; slot: PublicSlot } | { kind: 'done'; receipt: BookingReceipt };

/**
 * /m/reception: the published rota of leaders' reception days, month by month, to book a place
 * (约访); and "my booking" (?tab=mine&number=&code=) to look it up or cancel it. What is typed in
 * the booking form stays when the server refuses, and when the citizen goes back to choose another
 * time.
 */
export function ReceptionPage() {
  usePageTitle(m.pageTitle);
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'mine' ? 'mine' : 'rota';
  const [rota, setRota] = useState<PublicRota | null>(null);
  const [thisMonth, setThisMonth] = useState<string | null>(null);
  const [loadFailed, setLoadFailed] = useState<string | null>(null);
  const [view, setView] = useState<View>({ kind: 'list' });
  const [draft, setDraft] = useState<BookingDraft>({ peopleCount: 1 });
  const month = params.get('month');

  const load = useCallback(async (which?: string | null) => {
    setLoadFailed(null);
    try {
      const r = await receptionApi.rota(which ?? undefined);
      setRota(r);
      setThisMonth((cur) => cur ?? r.today.slice(0, 7));
    } catch (err) {
      setLoadFailed(err instanceof ApiError ? err.message : t.citizen.networkError);
    }
  }, []);

  useEffect(() => {
    if (tab === 'rota') void load(month);
  }, [tab, month, load]);

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };

  const shown = rota?.month ?? month;
  const canPrev = !!(shown && thisMonth && shown > thisMonth);
  const canNext = !!(shown && thisMonth && shown < addMonths(thisMonth, MONTHS_AHEAD));

  return (
    <>
      <Typography.Title level={4} className="citizen-page-title">
        {m.pageTitle}
      </Typography.Title>
      <Typography.Text type="secondary" className="citizen-intro">
        {m.intro}
      </Typography.Text>
      <Segmented
        block
        size="large"
        className="reception-tabs"
        value={tab}
        onChange={(v) => {
          setView({ kind: 'list' });
          go({ tab: v === 'mine' ? 'mine' : null, number: null, code: null });
        }}
        options={[
          { value: 'rota', label: m.tabs.rota },
          { value: 'mine', label: m.tabs.mine },
        ]}
      />

      {tab === 'mine' && <BookingLookup />}

      {tab === 'rota' && view.kind === 'list' && (
        <>
          <div className="reception-month" role="group" aria-label={m.tabs.rota}>
            <Button icon={<LeftOutlined />} disabled={!canPrev} onClick={() => shown && go({ month: addMonths(shown, -1) })} aria-label={m.prevMonth} />
            <Typography.Text strong className="reception-month-name" aria-live="polite">
              {shown ? m.month(shown) : ''}
            </Typography.Text>
            <Button icon={<RightOutlined />} disabled={!canNext} onClick={() => shown && go({ month: addMonths(shown, 1) })} aria-label={m.nextMonth} />
          </div>
          {loadFailed && (
            <Alert type="error" showIcon title={m.loadFailed} description={loadFailed} action={<Button onClick={() => load(month)}>{t.common.retry}</Button>} role="alert" />
          )}
          {!rota && !loadFailed && <Skeleton active />}
          {rota && <SlotList slots={rota.slots} onBook={(slot) => setView({ kind: 'form', slot })} />}
        </>
      )}

      {tab === 'rota' && view.kind === 'form' && (
        <BookingForm
          slot={view.slot}
          draft={draft}
          onDraft={setDraft}
          onBack={() => {
            setView({ kind: 'list' });
            void load(month);
          }}
          onBooked={(receipt) => {
            // The personal details stay for another booking; the matter is this booking's.
            setDraft((d) => ({ ...d, matter: undefined }));
            setView({ kind: 'done', receipt });
          }}
        />
      )}

      {tab === 'rota' && view.kind === 'done' && (
        <BookingDone
          receipt={view.receipt}
          onView={() => {
            setView({ kind: 'list' });
            go({ tab: 'mine', month: null, number: view.receipt.number, code: view.receipt.code });
          }}
          onBack={() => {
            setView({ kind: 'list' });
            void load(month);
          }}
        />
      )}
    </>
  );
}
