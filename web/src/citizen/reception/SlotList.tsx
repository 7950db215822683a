import { Button, Card, Empty, Tag, Typography } from 'antd';
import { ClockCircleOutlined, EnvironmentOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { t } from '../../i18n/zh-CN';
import type { PublicSlot } from './reception-api';

const m = t.reception.citizen;

/** Given a date 'YYYY-MM-DD', returns "3月10日 星期二". */
export const dayLabel = (date: string) => m.day(date, t.reception.weekday(new Date(`${date}T00:00:00Z`).getUTCDay()));

/** The month's published slots, day by day: who receives, on what, when and where, and whether a place is left. */
export function SlotList({ slots, onBook }: { slots: PublicSlot[]; onBook: (slot: PublicSlot) => void }) {
  if (slots.length === 0) return <Empty description={m.empty} style={{ margin: '32px 0' }} />;
  const days = new Map<string, PublicSlot[]>();
  for (const s of slots) days.set(s.date, [...(days.get(s.date) ?? []), s]);
  return (
    <div data-testid="reception-slots">
      {[...days.entries()].map(([date, list]) => (
        <section key={date} aria-labelledby={`reception-day-${date}`} className="reception-day">
          <Typography.Title level={5} id={`reception-day-${date}`} className="reception-day-title">
            {dayLabel(date)}
          </Typography.Title>
          {list.map((s) => (
            <Card key={s.id} size="small" className="reception-slot" data-testid="reception-slot">
              <div className="reception-slot-head">
                <div style={{ minWidth: 0 }}>
                  <Typography.Text strong className="reception-leader">
                    {s.leaderName}
                  </Typography.Text>
                  <Typography.Text type="secondary"> {s.post}</Typography.Text>
                </div>
                {s.bookable ? (
                  <Tag color="green">{m.remaining(s.remaining, s.capacity)}</Tag>
                ) : (
                  <Tag>{s.remaining === 0 ? m.full : m.closed}</Tag>
                )}
              </div>
              <div className="reception-slot-line">
                <Typography.Text type="secondary">{m.remit}：</Typography.Text>
                {s.remit}
              </div>
              <div className="reception-slot-line">
                <ClockCircleOutlined aria-label={m.time} /> {s.startTime}–{s.endTime}
              </div>
              <div className="reception-slot-line">
                <EnvironmentOutlined aria-label={m.place} /> {s.place}
                {s.room ? ` · ${s.room}` : ''}
              </div>
              <div className="reception-slot-foot">
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {m.closesAt(dayjs(s.closesAt).format('M月D日 HH:mm'))}
                </Typography.Text>
                <Button type="primary" disabled={!s.bookable} onClick={() => onBook(s)} aria-label={m.bookAria(s.leaderName, dayLabel(s.date))}>
                  {s.bookable ? m.book : s.remaining === 0 ? m.full : m.closed}
                </Button>
              </div>
            </Card>
          ))}
        </section>
      ))}
    </div>
  );
}
