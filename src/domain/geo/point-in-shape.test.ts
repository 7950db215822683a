import { describe, expect, it } from 'vitest';
import { boxOf, containsPoint, inBox, type AreaGeometry } from './point-in-shape.js';

const square = (x: number, y: number, s: number) => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

describe('point in an outline', () => {
  const withHole: AreaGeometry = { type: 'Polygon', coordinates: [square(120, 30, 0.01), square(120.004, 30.004, 0.002)] };
  const two: AreaGeometry = { type: 'MultiPolygon', coordinates: [[square(120, 30, 0.01)], [square(120.02, 30, 0.01)]] };

  it('finds a point inside a polygon, not in its hole and not outside', () => {
    expect(containsPoint(withHole, 120.001, 30.001)).toBe(true);
    expect(containsPoint(withHole, 120.005, 30.005)).toBe(false); // in the hole
    expect(containsPoint(withHole, 120.02, 30.001)).toBe(false);
  });

  it('finds a point in any part of a multipolygon, and not between the parts', () => {
    expect(containsPoint(two, 120.025, 30.005)).toBe(true);
    expect(containsPoint(two, 120.015, 30.005)).toBe(false);
  });

  it('a concave outline: the notch is outside', () => {
    const l: AreaGeometry = { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]]] };
    expect(containsPoint(l, 0.5, 1.5)).toBe(true);
    expect(containsPoint(l, 1.5, 1.5)).toBe(false);
    expect(boxOf(l)).toEqual({ minLng: 0, minLat: 0, maxLng: 2, maxLat: 2 });
    expect(inBox(boxOf(l), 1.5, 1.5)).toBe(true);
  });
});
