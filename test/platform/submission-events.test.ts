import { describe, expect, it } from 'vitest';
import type { SubmissionEvent } from '../../src/platform/model.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';

const event = (submissionId: string): SubmissionEvent => ({ submissionId, status: 'grading', partId: 'p1', phase: 'running' });

describe('SubmissionEvents', () => {
  it('delivers events to the listeners of that submission until they unsubscribe', () => {
    const events = new SubmissionEvents();
    const a: SubmissionEvent[] = [];
    const b: SubmissionEvent[] = [];
    const stopA = events.subscribe('sub_a', (e) => a.push(e));
    events.subscribe('sub_b', (e) => b.push(e));
    events.emit(event('sub_a'));
    events.emit(event('sub_c'));
    expect(a).toEqual([event('sub_a')]);
    expect(b).toEqual([]);
    expect(events.listenerCount()).toBe(2);
    stopA();
    stopA();
    events.emit(event('sub_a'));
    expect(a).toHaveLength(1);
    expect(events.listenerCount('sub_a')).toBe(0);
  });

  it('counts a function subscribed twice as two subscriptions', () => {
    const events = new SubmissionEvents();
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    const stop1 = events.subscribe('s', listener);
    events.subscribe('s', listener);
    events.emit(event('s'));
    stop1();
    events.emit(event('s'));
    expect(calls).toBe(3);
  });

  it('keeps telling the others when one listener throws', () => {
    const errors: unknown[] = [];
    const events = new SubmissionEvents({ onError: (e) => errors.push(e) });
    const heard: string[] = [];
    events.subscribe('s', () => {
      throw new Error('broken socket');
    });
    events.subscribe('s', () => heard.push('second'));
    events.emit(event('s'));
    expect(heard).toEqual(['second']);
    expect(errors).toEqual([new Error('broken socket')]);
  });

  it('lets a listener unsubscribe while being called', () => {
    const events = new SubmissionEvents();
    const heard: string[] = [];
    const stop = events.subscribe('s', () => {
      heard.push('once');
      stop();
    });
    events.subscribe('s', () => heard.push('always'));
    events.emit(event('s'));
    events.emit(event('s'));
    expect(heard).toEqual(['once', 'always', 'always']);
  });
});
