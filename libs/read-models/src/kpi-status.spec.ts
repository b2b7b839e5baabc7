import { kpiStatus } from './kpi-status';

describe('KPI status (contract §3)', () => {
  it.each([
    ['met, whatever else', { met: true, progress: 0.1, elapsed: 0.9, isShare: false }, 'met'],
    ['met after the end', { met: true, progress: 1, elapsed: 1, isShare: false }, 'met'],
    ['progress just at the elapsed share', { met: false, progress: 0.5, elapsed: 0.5, isShare: false }, 'on_track'],
    ['progress just under the elapsed share', { met: false, progress: 0.4999, elapsed: 0.5, isShare: false }, 'behind'],
    ['not met once the period has ended, even at 99 %', { met: false, progress: 0.99, elapsed: 1, isShare: false }, 'behind'],
    ['a share is never on track', { met: false, progress: 0.9, elapsed: 0.1, isShare: true }, 'behind'],
    ['no progress (share null) while running', { met: false, progress: null, elapsed: 0.2, isShare: false }, 'behind'],
    ['the first instant of a period', { met: false, progress: 0, elapsed: 0, isShare: false }, 'on_track'],
  ])('%s', (_, input, expected) => {
    expect(kpiStatus(input)).toBe(expected);
  });
});
