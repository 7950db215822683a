import { Navigate, type RouteObject } from 'react-router';
import { CitizenLayout } from './CitizenLayout';
import { SubmitPage } from './submit/SubmitPage';
import { TrackPage } from './track/TrackPage';
import { ReceptionPage } from './reception/ReceptionPage';

/** The citizen's phone portal: /m/submit (also the grid QR poster's address, ?grid=…), /m/track and /m/reception (leaders' reception days). */
export const citizenRoutes: RouteObject[] = [
  {
    path: '/m',
    element: <CitizenLayout />,
    children: [
      { index: true, element: <Navigate to="/m/submit" replace /> },
      { path: 'submit', element: <SubmitPage /> },
      { path: 'track', element: <TrackPage /> },
      { path: 'reception', element: <ReceptionPage /> },
    ],
  },
];
