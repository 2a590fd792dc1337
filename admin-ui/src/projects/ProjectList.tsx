/** The organization's projects: search by name, archived ones on request, newest activity first. */
import {
  BooleanInput,
  CreateButton,
  Datagrid,
  DateField,
  FunctionField,
  List,
  SearchInput,
  TextField,
  TopToolbar,
  type RaRecord,
} from 'react-admin';
import { Chip } from '@mui/material';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search projects" />,
  <BooleanInput key="archived" source="archived" label="Archived" />,
];

function Actions() {
  return (
    <TopToolbar>
      <CreateButton label="New project" />
    </TopToolbar>
  );
}

export function ProjectList() {
  return (
    <List
      title="Projects"
      filters={filters}
      filterDefaultValues={{ archived: false }}
      sort={{ field: 'updatedAt', order: 'DESC' }}
      actions={<Actions />}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <FunctionField
          label="Name"
          sortBy="name"
          render={(p: RaRecord) => (
            <>
              {p.name as string} {p.archived ? <Chip size="small" label="Archived" sx={{ ml: 1 }} /> : null}
            </>
          )}
        />
        <TextField source="description" sortable={false} />
        <FunctionField
          label="Media"
          sortable={false}
          render={(p: RaRecord) => {
            const c = p.counts as { assets: number; renders: number; batches: number };
            return `${c.assets} uploads · ${c.renders} renders · ${c.batches} batches`;
          }}
        />
        <DateField source="updatedAt" label="Updated" showTime />
      </Datagrid>
    </List>
  );
}
