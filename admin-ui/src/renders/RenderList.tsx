/** The organization's renders: live status and progress, filters by state, search by title. */
import {
  Datagrid,
  DateField,
  FunctionField,
  List,
  SearchInput,
  SelectInput,
  TextField,
  TopToolbar,
  type RaRecord,
} from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { Button } from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import { RENDER_STATES } from '@cutline/contract';
import { RenderStatusField } from '../components/RenderStatus';

export const STATE_CHOICES = RENDER_STATES.map((id) => ({ id, name: id }));

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search titles" />,
  <SelectInput key="state" source="state" choices={STATE_CHOICES} alwaysOn />,
];

function Actions() {
  return (
    <TopToolbar>
      <Button component={RouterLink} to="/new" variant="contained" startIcon={<AddIcon />}>
        New video
      </Button>
    </TopToolbar>
  );
}

export function RenderList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'queuedAt', order: 'DESC' }}
      actions={<Actions />}
      title="Renders"
      empty={false}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <FunctionField label="Title" sortBy="title" render={(r: RaRecord) => r.title ?? 'Untitled'} />
        <RenderStatusField label="Status" sortBy="state" />
        <FunctionField label="Formats" sortable={false} render={(r: RaRecord) => (r.formats as string[]).join(', ')} />
        <TextField source="voice" sortable={false} />
        <DateField source="queuedAt" label="Submitted" showTime />
      </Datagrid>
    </List>
  );
}
