export const citizen = {};
