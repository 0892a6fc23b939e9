import TabsLayout from '../../navigation/TabsLayout';

export default TabsLayout;
