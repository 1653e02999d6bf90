import { useEffect, useState } from 'react';
import { Anchor, Button, Group, Modal, Paper, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { BULK_MAX, type BulkAction, type InventoryFilter } from '../../src-shared/contract-inventory';
import { api, errorMessage } from '../api/client';
import { DeniedButton, ErrorAlert, failureOf, type Failure } from '../components/common';
import { badTags, bulkTarget, keysLabel, parseTags, selectedCount, type Selection } from '../lib/inventory';
import { isIsoDate, todayUtc } from '../lib/policy-view';
import { handleSessionError } from '../state/actions';
import { useApp } from '../state/store';

type Kind = BulkAction['kind'];

const TITLES: Record<Kind, string> = {
  tag: 'Tag the selected keys',
  untag: 'Remove tags from the selected keys',
  setOwner: 'Set the owner of the selected keys',
  scheduleRotation: 'Schedule rotation of the selected keys',
};

const DONE: Record<Kind, string> = { tag: 'Tagged', untag: 'Untagged', setOwner: 'Owner set on', scheduleRotation: 'Rotation scheduled for' };

/** The form of one bulk action; null while it is not valid yet (with the reason in `error`). */
function BulkForm({ kind, onAction }: { kind: Kind; onAction: (a: BulkAction | null, error: string | null) => void }) {
  const [text, setText] = useState('');
  const [date, setDate] = useState(todayUtc(new Date(Date.now() + 90 * 86_400_000)));
  const [mode, setMode] = useState<'manual' | 'auto'>('manual');

  const update = (t: string, d: string, m: 'manual' | 'auto') => {
    if (kind === 'tag' || kind === 'untag') {
      const tags = parseTags(t);
      const bad = badTags(tags);
      if (tags.length === 0) return onAction(null, null);
      if (bad.length) return onAction(null, `Not a tag: ${bad.join(', ')}. A tag is 1–48 lower-case letters, digits or . _ : / - and starts with a letter or digit.`);
      return onAction({ kind, tags }, null);
    }
    if (kind === 'setOwner') return onAction({ kind, owner: t.trim() ? t.trim() : null }, null);
    if (!isIsoDate(d)) return onAction(null, 'Choose a date.');
    return onAction({ kind, at: `${d}T00:00:00.000Z`, mode: m }, null);
  };

  // The preset date is a valid answer already.
  useEffect(() => {
    if (kind === 'scheduleRotation') update(text, date, mode);
    // Once, for the preset.
  }, []);

  if (kind === 'scheduleRotation') {
    return (
      <Stack gap="sm">
        <TextInput
          type="date"
          label="Rotate by (UTC)"
          description="The current version stops protecting on this date; the keys appear among the rotations due."
          value={date}
          data-autofocus
          onChange={(e) => {
            setDate(e.currentTarget.value);
            update(text, e.currentTarget.value, mode);
          }}
        />
        <SegmentedControl
          value={mode}
          onChange={(v) => {
            setMode(v as 'manual' | 'auto');
            update(text, date, v as 'manual' | 'auto');
          }}
          data={[
            { value: 'manual', label: 'I rotate them' },
            { value: 'auto', label: 'Rotate by themselves' },
          ]}
        />
      </Stack>
    );
  }
  return (
    <TextInput
      data-autofocus
      label={kind === 'setOwner' ? 'Owner (a person or team; empty clears it)' : 'Tags (separated by commas or spaces)'}
      value={text}
      maxLength={kind === 'setOwner' ? 64 : 1000}
      onChange={(e) => {
        setText(e.currentTarget.value);
        update(e.currentTarget.value, date, mode);
      }}
    />
  );
}

/**
 * What the selection can have done to it. Every change is one `inventory.bulk` call: all keys or
 * none, each with its own audit event (the core's rule). "All matching" sends the filter, not ids.
 */
export function InventoryBulk({
  selection,
  filter,
  total,
  onSelectAll,
  onClear,
  onDone,
}: {
  selection: Selection;
  filter: InventoryFilter;
  total: number;
  onSelectAll: () => void;
  onClear: () => void;
  onDone: () => void;
}) {
  const role = useApp((s) => s.status?.user?.role ?? null);
  const notify = useApp((s) => s.notify);
  const denied = role === 'auditor' ? 'Auditors can read everything but change nothing.' : null;
  const [kind, setKind] = useState<Kind | null>(null);
  const [action, setAction] = useState<BulkAction | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const count = selectedCount(selection);
  const target = bulkTarget(selection, filter, BULK_MAX);

  const open = (k: Kind) => {
    setKind(k);
    setAction(k === 'setOwner' ? { kind: 'setOwner', owner: null } : null);
    setFormError(null);
    setFailure(null);
  };

  const run = async () => {
    if (!kind || !action || !('target' in target)) return;
    setBusy(true);
    setFailure(null);
    try {
      const r = await api.call('inventory.bulk', { target: target.target, action });
      notify({ color: 'green', title: 'Done', message: `${DONE[kind]} ${keysLabel(r.changed)} (${r.matched.toLocaleString('en')} matched).` });
      setKind(null);
      onDone();
    } catch (err) {
      if (!handleSessionError(err)) setFailure(failureOf('The keys were not changed', err));
    } finally {
      setBusy(false);
    }
  };

  // Reading, not changing: auditors may export too. The file goes to the export folder (the core
  // writes it; the renderer never holds the inventory).
  const [exporting, setExporting] = useState(false);
  const exportCbom = async () => {
    if (!('target' in target)) return;
    setExporting(true);
    try {
      const r = await api.call('inventory.exportCbom', target.target);
      notify({ color: 'green', title: 'CBOM written', message: `${keysLabel(r.count)} in ${r.path}` });
    } catch (err) {
      if (!handleSessionError(err)) notify({ color: 'red', title: 'The CBOM was not written', message: errorMessage(err) });
    } finally {
      setExporting(false);
    }
  };

  const button = (k: Kind, label: string) =>
    denied ? (
      <DeniedButton key={k} reason={denied} size="xs" variant="default">
        {label}
      </DeniedButton>
    ) : (
      <Button key={k} size="xs" variant="default" onClick={() => open(k)} disabled={'refused' in target}>
        {label}
      </Button>
    );

  return (
    <Paper withBorder p="xs" px="sm" radius="md" data-testid="bulk-bar">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs">
          <Text size="sm" fw={600} data-testid="bulk-count">
            {selection.all ? `All ${keysLabel(count)} matching` : `${keysLabel(count)} selected`}
          </Text>
          {!selection.all && total > count && (
            <Anchor component="button" size="sm" onClick={onSelectAll}>
              Select all {keysLabel(total)} matching
            </Anchor>
          )}
          <Anchor component="button" size="sm" onClick={onClear}>
            Clear selection
          </Anchor>
        </Group>
        <Group gap="xs">
          {button('tag', 'Tag…')}
          {button('untag', 'Untag…')}
          {button('setOwner', 'Set owner…')}
          {button('scheduleRotation', 'Schedule rotation…')}
          <Button size="xs" variant="default" onClick={() => void exportCbom()} loading={exporting} disabled={'refused' in target} data-testid="bulk-export-cbom">
            Export CBOM
          </Button>
        </Group>
      </Group>
      {'refused' in target && (
        <Text size="xs" c="orange" mt={4} data-testid="bulk-refused">
          {target.refused}
        </Text>
      )}
      <Modal opened={kind !== null} onClose={() => setKind(null)} title={kind ? TITLES[kind] : ''}>
        {kind && (
          <Stack gap="sm">
            <Text size="sm">{selection.all ? `Every key matching the current filters: ${keysLabel(count)}.` : `${keysLabel(count)}.`} All of them change, or none; each change is in the audit trail.</Text>
            <BulkForm
              key={kind}
              kind={kind}
              onAction={(a, e) => {
                setAction(a);
                setFormError(e);
              }}
            />
            {formError && (
              <Text size="xs" c="red">
                {formError}
              </Text>
            )}
            {failure && <ErrorAlert title={failure.title} message={failure.message} code={failure.code} onClose={() => setFailure(null)} />}
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={() => setKind(null)}>
                Cancel
              </Button>
              <Button onClick={() => void run()} loading={busy} disabled={!action} data-testid="bulk-apply">
                Apply to {keysLabel(count)}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Paper>
  );
}
