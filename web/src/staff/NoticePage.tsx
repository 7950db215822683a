/**
 * /staff/notice: the acceptance (or registration) notice handed or mailed to the petitioner, laid
 * out as an A4 sheet and printed with the browser's print dialog. Its data comes from the intake
 * page (the query code is shown only once, at registration: the server keeps only its hash).
 */
import { useEffect } from 'react';
import { Button, Result } from 'antd';
import { PrinterOutlined } from '@ant-design/icons';
import { Link, useLocation, useNavigate } from 'react-router';
import { t } from '../i18n/zh-CN';
import { fmtDateZh } from './format';
import './staff.css';

const n = t.staff.notice;

export interface NoticeData {
  number: string;
  queryCode: string;
  state: string;
  title: string;
  channel: string;
  receivedAt: string;
  petitionerName: string;
  petitionerCount: number;
}

export function NoticePage() {
  const location = useLocation();
  const navigate = useNavigate();
  const data = location.state as NoticeData | null;
  const accepted = data?.state === 'accepted';

  useEffect(() => {
    document.title = `${accepted ? n.acceptedTitle : n.registeredTitle} - ${t.common.appName}`;
  }, [accepted]);

  if (!data?.number)
    return (
      <Result
        status="info"
        title={n.missing}
        extra={
          <Link to="/staff/intake">
            <Button type="primary">{n.back}</Button>
          </Link>
        }
      />
    );

  const name = n.names(data.petitionerName, data.petitionerCount);
  return (
    <div className="xf-print-page">
      <div className="xf-print-toolbar">
        <Button onClick={() => navigate(-1)}>{n.back}</Button>
        <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()} autoFocus>
          {n.print}
        </Button>
      </div>
      <div className="xf-sheet" data-testid="notice">
        <h1>{accepted ? n.acceptedTitle : n.registeredTitle}</h1>
        <div className="xf-docno">{data.number}</div>
        <p className="xf-to">{n.to(name)}</p>
        <p>{n.body(fmtDateZh(data.receivedAt), data.channel, data.title)}</p>
        <p>{accepted ? n.accepted : n.registered}</p>
        <p>{n.track}</p>
        <table>
          <tbody>
            <tr>
              <td>{n.number}</td>
              <td className="xf-code-cell">{data.number}</td>
            </tr>
            <tr>
              <td>{n.code}</td>
              <td className="xf-code-cell">{data.queryCode}</td>
            </tr>
          </tbody>
        </table>
        <p>{n.keep}</p>
        <p className="xf-sign">
          {n.org}
          <br />
          {fmtDateZh(new Date().toISOString())}
        </p>
      </div>
    </div>
  );
}
