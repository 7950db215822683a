import type { RouteObject } from 'react-router';

export const staffRoutes: RouteObject[] = [];
