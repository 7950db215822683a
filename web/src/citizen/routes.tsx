import type { RouteObject } from 'react-router';

export const citizenRoutes: RouteObject[] = [];
