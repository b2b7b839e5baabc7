import { loadReferenceData } from '@app/reference-data';
import { REGION_CITIES, syntheticYear } from './synthetic-year';

describe('the synthetic year', () => {
  it("titles every promotion activity after a city of the activity's own region", () => {
    const commands = syntheticYear(loadReferenceData(), { seed: 3, year: 2025, projects: 2000, notAfter: new Date('2026-01-01') });
    const activities = commands
      .filter((c) => c.type === 'RecordActivity')
      .map((c) => ({ title: String(c.title), region: String(c.region) }));
    expect(activities.length).toBeGreaterThan(100);
    expect(new Set(activities.map((a) => a.region)).size).toBeGreaterThan(5);
    for (const activity of activities) {
      const own = REGION_CITIES[activity.region];
      const others = Object.entries(REGION_CITIES)
        .filter(([region]) => region !== activity.region)
        .flatMap(([, cities]) => cities);
      expect({ activity, named: own.some((city) => activity.title.includes(city)) }).toEqual({ activity, named: true });
      expect(others.filter((city) => activity.title.includes(city))).toEqual([]);
    }
  });
});
