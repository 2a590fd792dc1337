/**
 * Operators: renders of every organization, filtered by state, tier, organization; retry or
 * cancel several at once. Selection uses its own labelled checkboxes: react-admin's row
 * checkbox puts its label on the wrapper instead of the input (axe: "label", critical).
 */
import { Box, Button, Checkbox } from '@mui/material';
import { useState } from 'react';
import {
  Datagrid,
  DateField,
  FunctionField,
  List,
  ReferenceField,
  SearchInput,
  SelectInput,
  TextField,
  TextInput,
  TopToolbar,
  useListContext,
  useNotify,
  useRecordContext,
  useRefresh,
  type RaRecord,
} from 'react-admin';
import { api, errorMessage } from '../api/http';
import { RenderStatusField } from '../components/RenderStatus';
import { STATE_CHOICES } from '../renders/RenderList';
import { PLAN_CHOICES } from '../organizations/Organizations';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search titles" />,
  <SelectInput key="state" source="state" choices={STATE_CHOICES} alwaysOn />,
  <SelectInput key="tier" source="tier" choices={PLAN_CHOICES} alwaysOn />,
  <TextInput key="org" source="organizationId" label="Organization id" />,
];

function SelectRow(_props: { label?: string }) {
  const record = useRecordContext();
  const { selectedIds, onToggleItem } = useListContext();
  if (!record) return null;
  return (
    <Checkbox
      size="small"
      checked={selectedIds.includes(record.id)}
      onChange={() => onToggleItem(record.id)}
      inputProps={{ 'aria-label': `Select ${record.title ?? 'untitled render'}` }}
      onClick={(e) => e.stopPropagation()}
    />
  );
}

function SelectedActions() {
  const { selectedIds, onUnselectItems } = useListContext();
  const notify = useNotify();
  const refresh = useRefresh();
  const [busy, setBusy] = useState(false);
  const run = async (action: 'retry' | 'cancel') => {
    setBusy(true);
    const results = await Promise.allSettled(
      selectedIds.map((id) => api(`/v1/admin/renders/${id}/${action}`, { method: 'POST' })),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const done = results.length - failed.length;
    notify(
      failed.length === 0
        ? `${action === 'retry' ? 'Retried' : 'Canceled'} ${done} render${done === 1 ? '' : 's'}.`
        : `${done} done; ${failed.length} refused: ${errorMessage(failed[0]!.reason)}`,
      { type: failed.length ? 'warning' : 'info' },
    );
    setBusy(false);
    onUnselectItems();
    refresh();
  };
  const none = selectedIds.length === 0;
  return (
    <TopToolbar>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
        <span aria-live="polite">{none ? 'Select renders to act on them' : `${selectedIds.length} selected`}</span>
        <Button size="small" variant="outlined" disabled={none || busy} onClick={() => void run('retry')}>
          Retry selected
        </Button>
        <Button
          size="small"
          variant="outlined"
          color="warning"
          disabled={none || busy}
          onClick={() => void run('cancel')}
        >
          Cancel selected
        </Button>
      </Box>
    </TopToolbar>
  );
}

export function AllRenderList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'queuedAt', order: 'DESC' }}
      title="All renders"
      actions={<SelectedActions />}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <SelectRow label="" />
        <FunctionField label="Title" sortable={false} render={(r: RaRecord) => r.title ?? 'Untitled'} />
        <ReferenceField source="organizationId" reference="organizations" link="show" sortable={false}>
          <TextField source="name" />
        </ReferenceField>
        <RenderStatusField label="Status" sortBy="state" />
        <TextField source="tier" sortable={false} />
        <FunctionField label="Error" sortable={false} render={(r: RaRecord) => (r.error ? `${r.error.code}` : '')} />
        <DateField source="queuedAt" label="Submitted" showTime />
      </Datagrid>
    </List>
  );
}
