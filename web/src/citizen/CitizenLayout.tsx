import { Layout, Typography } from 'antd';
import { NavLink, Outlet } from 'react-router';
import { t } from '../i18n/zh-CN';
import './citizen.css';

const m = t.citizen;

/** The phone portal's frame: a slim header with the two things a citizen comes for, and a narrow column. */
export function CitizenLayout() {
  return (
    <Layout className="citizen">
      <header className="citizen-header">
        <NavLink to="/" className="citizen-brand">
          <Typography.Text strong className="citizen-brand-text">
            {m.portalName}
          </Typography.Text>
        </NavLink>
        <nav className="citizen-nav" aria-label={m.portalName}>
          <NavLink to="/m/submit">{m.nav.submit}</NavLink>
          <NavLink to="/m/track">{m.nav.track}</NavLink>
          <NavLink to="/m/reception">{t.reception.citizen.nav}</NavLink>
        </nav>
      </header>
      <main className="citizen-main">
        <Outlet />
      </main>
    </Layout>
  );
}
